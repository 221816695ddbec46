import { param } from "../lib/ocf/params.ts";
import { defineTemplate } from "../lib/cib/author/define-template.ts";
import { capacityCluster, capacityVariables, separateProblems, stickinessProblems } from "./parts/capacity.ts";
import { domainVariables, hostDomainProblems } from "./parts/domains.ts";
import { ipmiVariables, nodesVariable } from "./parts/hosts.ts";
import { migrationProblems, migrationVariables } from "./parts/migration.ts";

/**
 * N+N (doc/cib.md §2c): every host runs domains and keeps headroom for
 * its peers' load; the placement strategy spreads them by utilization, and the
 * claim says how many host failures the headroom absorbs. Domains
 * live-migrate on a controlled outage (parts/migration.ts).
 */
export const nPlusN = defineTemplate({
  name: "n-plus-n",
  description: "Every host active, domains spread by utilization, headroom for the claimed number of host failures",
  protects: [
    "host failures up to failures_tolerated: each failed host is fenced, then the headroom on the survivors takes its domains",
    "planned host maintenance: standby or a move live-migrates the domains, without a restart",
    "overcommitting a host: domains start only where their memory and CPUs fit (utilization)",
    "uneven load: balanced placement spreads the domains by free capacity",
  ],
  variables: {
    nodes: nodesVariable("xen01,xen02,xen03,xen04", 2),
    failures_tolerated: param.integer({ min: 1 })({
      default: 1,
      shortdesc: "How many simultaneous host failures the headroom must absorb (the claim checked by cib check and plan)",
    }),
    ...capacityVariables,
    ...migrationVariables,
    ...domainVariables,
    ...ipmiVariables,
  },
  crossCheck(values) {
    return [
      ...hostDomainProblems(values, { sizesUsed: true }),
      ...stickinessProblems(values.stickiness),
      ...separateProblems(values, values.nodes.length),
      ...migrationProblems(values.nodes, values),
      ...(values.failures_tolerated >= values.nodes.length
        ? [`failures_tolerated: ${values.failures_tolerated} would leave no host for ${values.nodes.length} nodes`]
        : []),
    ];
  },
  render: (values, context) =>
    capacityCluster({ active: values.nodes, spares: [], failuresTolerated: values.failures_tolerated, values, context }),
});
