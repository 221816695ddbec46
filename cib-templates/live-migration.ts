import { param } from "../lib/ocf/params.ts";
import { defineTemplate } from "../lib/cib/author/define-template.ts";
import { dataPool, drbdHostProblems, poolVariables } from "./parts/data-pool.ts";
import { domainId, domainOptions, domainResource, domainVariables, hostDomainProblems } from "./parts/domains.ts";
import { ipmiFencing, ipmiVariables, nodesVariable } from "./parts/hosts.ts";
import { migrationCountProblems, migrationNodes, migrationParams, migrationVariables } from "./parts/migration.ts";

/**
 * Live migration on a controlled outage (cib-templates.md §2b, §2d): domains
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
    storage: param.select(["shared-fs", "drbd-dual-primary"])({
      default: "shared-fs",
      shortdesc: "What every host sees the domains' disks on",
    }),
    ...poolVariables,
    ...migrationVariables,
    ...domainVariables,
    ...ipmiVariables,
  },
  crossCheck(values) {
    return [
      ...hostDomainProblems(values),
      ...migrationCountProblems(values.nodes, values.migration_addresses),
      ...drbdHostProblems(values.storage, values.nodes),
    ];
  },
  render(values, { profile }) {
    const fencing = ipmiFencing(values.nodes, values);
    const pool = dataPool(values.storage, values.nodes.length, values.domains.map((d) => domainId(d.name)), profile, values);
    const options = { ...domainOptions(values), allowMigrate: true, params: migrationParams(values.migration_addresses) };
    return {
      nodes: migrationNodes(values.nodes, values.migration_addresses),
      resources: [...fencing.resources, ...pool.resources, ...values.domains.map((d) => domainResource(d, options))],
      constraints: [...fencing.constraints, ...pool.constraints],
    };
  },
});
