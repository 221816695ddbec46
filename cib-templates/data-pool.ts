import { param } from "../lib/ocf/params.ts";
import { defineTemplate } from "../lib/cib/author/define-template.ts";
import { dataPool, drbdHostProblems, poolAllowsMigration, POOL_MODES, poolVariables } from "./parts/data-pool.ts";
import { domainId, domainOptions, domainResource, domainVariables, hostDomainProblems } from "./parts/domains.ts";
import { ipmiFencing, ipmiVariables, nodesVariable } from "./parts/hosts.ts";

/**
 * The HA data pool (doc/cib.md §2b, §2d): a shared file system clone, or
 * DRBD single-primary (cold failover) or dual-primary (live migration), with
 * the orders and colocations each needs. Domains live-migrate unless the pool
 * is single-primary.
 */
export const dataPoolTemplate = defineTemplate({
  name: "data-pool",
  description: "Domains on an HA data pool: shared file system clone, or DRBD single- or dual-primary",
  protects: [
    "a host crash: the pool stays (or is promoted) on the survivor, then the domains start there",
    "a domain running without its disks: it starts only where the pool is mounted or primary",
    "the pool being stopped or demoted under a running domain: the domain stops (or migrates) first",
  ],
  variables: {
    nodes: nodesVariable("xen01,xen02", 2),
    pool: param.select(POOL_MODES)({
      default: "shared-fs",
      shortdesc: "Pool kind: shared-fs, drbd-single-primary (cold failover) or drbd-dual-primary (live migration)",
    }),
    ...poolVariables,
    ...domainVariables,
    ...ipmiVariables,
  },
  crossCheck(values) {
    return [
      ...hostDomainProblems(values),
      ...drbdHostProblems(values.pool, values.nodes),
    ];
  },
  render(values, { profile }) {
    const fencing = ipmiFencing(values.nodes, values);
    const pool = dataPool(values.pool, values.nodes.length, values.domains.map((d) => domainId(d.name)), profile, values);
    const options = { ...domainOptions(values), allowMigrate: poolAllowsMigration(values.pool) };
    return {
      nodes: values.nodes.map((name) => ({ name })),
      resources: [...fencing.resources, ...pool.resources, ...values.domains.map((d) => domainResource(d, options))],
      constraints: [...fencing.constraints, ...pool.constraints],
    };
  },
});
