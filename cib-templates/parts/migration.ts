import { param } from "../../lib/ocf/params.ts";
import { addressList } from "../../lib/cib/author/variables.ts";
import type { CibParts, NodeSpec, RenderContext } from "../../lib/cib/author/define-template.ts";
import type { Pairs } from "../../lib/cib/author/build.ts";
import { dataPool, drbdHostProblems, poolVariables, type PoolMode, type PoolValues } from "./data-pool.ts";
import type { DomainOptions } from "./domains.ts";

/**
 * Live migration on a controlled outage (doc/cib.md §2b, §2d): storage
 * every host sees at once, domains with allow-migrate, and the network the
 * migrations travel. One set of values for every template that migrates
 * (live-migration and the capacity templates), so they all read them alike.
 *
 * XenDomain reads the target's address from a node attribute named by its
 * node_ip_attribute parameter; without it the target's node name is used.
 */
export const MIGRATION_ATTRIBUTE = "migration-ip";

/** The pools a live migration can run on: a single-primary pool is primary on one host only. */
const MIGRATION_POOLS = ["shared-fs", "drbd-dual-primary"] as const satisfies readonly PoolMode[];

export const migrationVariables = {
  storage: param.select(MIGRATION_POOLS)({
    default: "shared-fs",
    shortdesc: "What every host sees the domains' disks on",
  }),
  ...poolVariables,
  migration_addresses: addressList({
    default: "",
    syntax: "ADDRESS,...",
    shortdesc: "Address of each host on the migration network, in host order (empty: use the host names)",
    longdesc: `Stored as the node attribute ${MIGRATION_ATTRIBUTE}; the domains' node_ip_attribute points at it.`,
  }),
};

export interface MigrationValues extends PoolValues {
  readonly storage: (typeof MIGRATION_POOLS)[number];
  readonly migration_addresses: readonly string[];
}

/** The rules between the migration values and the hosts: one address per host, DRBD between two hosts. */
export const migrationProblems = (hosts: readonly string[], values: MigrationValues): string[] => [
  ...(values.migration_addresses.length === 0 || values.migration_addresses.length === hosts.length
    ? []
    : [`migration_addresses: ${values.migration_addresses.length} addresses for ${hosts.length} hosts`]),
  ...drbdHostProblems(values.storage, hosts),
];

const migrationParams = (addresses: readonly string[]): Pairs =>
  addresses.length > 0 ? { node_ip_attribute: MIGRATION_ATTRIBUTE } : {};

/**
 * What live migration adds to a cluster of `hosts` running `domainIds`: the
 * nodes with their migration addresses, the pool with the orders and
 * colocations that keep it up under a migrating domain, and the domain options.
 */
export function liveMigration(
  hosts: readonly string[],
  domainIds: readonly string[],
  context: RenderContext,
  values: MigrationValues,
): Required<Pick<CibParts, "resources" | "constraints">> & {
  readonly nodes: NodeSpec[];
  readonly domainOptions: Pick<DomainOptions, "allowMigrate" | "params">;
} {
  const addresses = values.migration_addresses;
  return {
    nodes: hosts.map((name, i) => ({
      name,
      ...(addresses.length > 0 ? { attributes: { [MIGRATION_ATTRIBUTE]: addresses[i] } } : {}),
    })),
    ...dataPool(values.storage, hosts.length, domainIds, context.profile, values),
    domainOptions: { allowMigrate: true, params: migrationParams(addresses) },
  };
}
