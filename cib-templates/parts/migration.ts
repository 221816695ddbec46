import { addressList } from "../../lib/cib/author/variables.ts";
import type { NodeSpec } from "../../lib/cib/author/define-template.ts";
import type { Pairs } from "../../lib/cib/author/build.ts";

/**
 * Where live migrations travel. XenDomain reads the target's address from a
 * node attribute named by its node_ip_attribute parameter; without it the
 * target's node name is used.
 */
export const MIGRATION_ATTRIBUTE = "migration-ip";

export const migrationVariables = {
  migration_addresses: addressList({
    default: "",
    syntax: "ADDRESS,...",
    shortdesc: "Address of each host on the migration network, in host order (empty: use the host names)",
    longdesc: `Stored as the node attribute ${MIGRATION_ATTRIBUTE}; the domains' node_ip_attribute points at it.`,
  }),
};

export function migrationCountProblems(hosts: readonly string[], addresses: readonly string[]): string[] {
  return addresses.length === 0 || addresses.length === hosts.length
    ? []
    : [`migration_addresses: ${addresses.length} addresses for ${hosts.length} hosts`];
}

export const migrationNodes = (hosts: readonly string[], addresses: readonly string[]): NodeSpec[] =>
  hosts.map((name, i) => ({
    name,
    ...(addresses.length > 0 ? { attributes: { [MIGRATION_ATTRIBUTE]: addresses[i] } } : {}),
  }));

export const migrationParams = (addresses: readonly string[]): Pairs =>
  addresses.length > 0 ? { node_ip_attribute: MIGRATION_ATTRIBUTE } : {};
