import { defineTemplate } from "../lib/cib/author/define-template.ts";
import { domainId, domainOptions, domainResource, domainVariables, hostDomainProblems } from "./parts/domains.ts";
import { ipmiFencing, ipmiVariables, nodesVariable } from "./parts/hosts.ts";
import { liveMigration as migrating, migrationProblems, migrationVariables } from "./parts/migration.ts";

/**
 * Live migration on a controlled outage (doc/cib.md §2b, §2d): domains
 * with allow-migrate and migrate_to/migrate_from operations, on storage every
 * host sees at once. Standby, a move or a node shutdown then migrates them
 * live; an uncontrolled outage still fences and restarts (there is nothing
 * left to migrate from).
 */
export const liveMigration = defineTemplate({
  name: "live-migration",
  description: "Domains that live-migrate on standby, move or host shutdown, on shared storage or dual-primary DRBD",
  protects: [
    "planned host maintenance: standby or shutdown live-migrates the domains, without a restart",
    "a host crash: the host is fenced, then its domains are restarted elsewhere",
    "the storage being unmounted or demoted under a running domain: storage stops only after the domain left",
  ],
  variables: {
    nodes: nodesVariable("xen01,xen02", 2),
    ...migrationVariables,
    ...domainVariables,
    ...ipmiVariables,
  },
  crossCheck(values) {
    return [...hostDomainProblems(values), ...migrationProblems(values.nodes, values)];
  },
  render(values, context) {
    const fencing = ipmiFencing(values.nodes, values);
    const live = migrating(values.nodes, values.domains.map((d) => domainId(d.name)), context, values);
    const options = { ...domainOptions(values), ...live.domainOptions };
    return {
      nodes: live.nodes,
      resources: [...fencing.resources, ...live.resources, ...values.domains.map((d) => domainResource(d, options))],
      constraints: [...fencing.constraints, ...live.constraints],
    };
  },
});
