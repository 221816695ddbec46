import { absolutePathProblem, hostProblem, listProblem, shown, splitList } from "../../../lib/ocf/checks.ts";
import { param } from "../../../lib/ocf/params.ts";
import { POLICIES_TEXT, sshParamGroup } from "../../../lib/ocf/ssh-params.ts";

/**
 * XenDomain's live-migration and suspend-to-disk parameters
 * (agents/xen-domain/migrate/to.ts, migrate-from.ts, save-image.ts). The
 * target's address comes from node_ip_attribute (params.ts, as in
 * ocf:heartbeat:Xen), migration_addresses or migration_network_suffix, at
 * most one of them. xl runs its transport with `sh -c`, so every piece of
 * the ssh command is checked against a strict character set here: what
 * does not match is refused (6), never quoted and passed on.
 */

const SUFFIX = /^[A-Za-z0-9.-]+$/;
/** A path that needs no quoting anywhere: absolute, no spaces, no shell metacharacters. */
const PLAIN_PATH = /^\/[A-Za-z0-9_./@%+,-]*$/;
/** One `ssh -o` setting, `Key=value`, with a value of plain characters. */
const SSH_OPTION = /^[A-Za-z][A-Za-z0-9]*=[A-Za-z0-9_./:@%+,-]+$/;

const words = (text: string): readonly string[] => splitList(text) ?? [];

export function addressMapProblem(text: string): string | undefined {
  const problem = listProblem(
    text,
    (pair) => {
      const [node, address, extra] = pair.split("=");
      if (extra !== undefined || !node || address === undefined) return `${shown(pair)} is not node=address`;
      return hostProblem(address);
    },
    "node=address pair",
  );
  if (problem) return problem;
  const nodes = words(text).map((pair) => pair.split("=")[0]);
  return new Set(nodes).size !== nodes.length ? "a node is listed twice" : undefined;
}

/** node=address pairs as a map (the parameter was checked by addressMapProblem). */
export const addressMap = (text: string): ReadonlyMap<string, string> =>
  new Map(words(text).map((pair) => pair.split("=") as [string, string]));

export const sshOptionWords = (text: string | undefined): readonly string[] => words(text ?? "");

const plainPath = (value: string): string | undefined =>
  PLAIN_PATH.test(value) && absolutePathProblem(value) === undefined
    ? undefined
    : `${shown(value)} is not an absolute path of plain characters (letters, digits, _ . / @ % + , -)`;

/**
 * How the migration transport logs in to the target (lib/ocf/ssh-params.ts).
 * Unset user, port and host-key policy leave the choice to ssh and its
 * configuration, as they always have; its paths go into xl's `sh -c` line,
 * so they must be plain.
 */
export const migrationSsh = sshParamGroup({
  names: {
    user: "migration_ssh_user",
    identity: "migration_ssh_identity",
    port: "migration_ssh_port",
    hostKeyPolicy: "migration_ssh_host_key_policy",
    loginTimeout: "migration_ssh_login_timeout",
  },
  where: "migration target",
  docs: {
    user: {
      shortdesc: "Login name for the migration transport",
      longdesc: "ssh logs in to the target as this user (xl migrate-receive must run there). Unset: ssh's default.",
    },
    identity: {
      shortdesc: "ssh identity file for the migration transport",
      longdesc: "Private key ssh uses to log in to the target (-i). An absolute path of plain characters. Unset: ssh's defaults.",
    },
    port: { shortdesc: "ssh port on the target", longdesc: "The port sshd listens on at the target (-p). Unset: ssh's default." },
    hostKeyPolicy: {
      shortdesc: "How to treat the target's host key",
      longdesc: `${POLICIES_TEXT} Unset: ssh's configuration decides (StrictHostKeyChecking), and an unknown key is refused.`,
    },
  },
  defaults: { loginTimeoutS: 10 },
  reloadable: true,
  pathCheck: plainPath,
});

export const migrateParams = {
  migration_addresses: param.string({
    reloadable: true,
    shortdesc: "Migration address of each node",
    longdesc:
      "Space-separated node=address pairs (e.g. 'node1=10.9.0.1 node2=10.9.0.2'): migrate_to sends the domain " +
      "to the target node's address, over a dedicated migration network. Addresses may hold letters, digits, " +
      "'.', ':' and '-' only. Use one of migration_addresses, node_ip_attribute and migration_network_suffix.",
    check: addressMapProblem,
  }),
  migration_network_suffix: param.string({
    reloadable: true,
    shortdesc: "Suffix naming a node on the migration network",
    longdesc:
      "Appended to the first label of the target node's name to name it on the migration network, as " +
      "VirtualDomain does: with '-mig', node2 becomes node2-mig and node2.example.com node2-mig.example.com.",
    check: (value: string) => (SUFFIX.test(value) ? undefined : `${shown(value)} may hold letters, digits, '.' and '-' only`),
  }),
  ...migrationSsh.params,
  migration_ssh_options: param.string({
    reloadable: true,
    shortdesc: "Extra ssh options for the migration transport",
    longdesc:
      "Space-separated Key=value ssh options, each passed as -o Key=value (e.g. 'Ciphers=aes128-gcm@openssh.com " +
      "Compression=no'). xl hands its transport command to sh -c, so only letters, digits and _ . / : @ % + , - " +
      "are accepted; anything else is refused. BatchMode=yes and a connect timeout are always set.",
    check: (value: string) => {
      const bad = sshOptionWords(value).filter((w) => !SSH_OPTION.test(w));
      return bad.length > 0 ? `not Key=value of plain characters: ${bad.map(shown).join(", ")}` : undefined;
    },
  }),
  migration_config: param.string({
    reloadable: true,
    shortdesc: "Config the domain takes to the target (xl migrate -C)",
    longdesc:
      "A configuration file read on this host and sent with the domain instead of the one it was started with " +
      "(xl only). Unset: the stored configuration.",
    check: plainPath,
  }),
  migration_budget: param.integer({ min: 1, max: 86_400 })({
    reloadable: true,
    shortdesc: "Seconds a migration may take",
    longdesc:
      "migrate_to stops waiting for xl migrate after this long, kills it, and fails with the domain still " +
      "running here (or says precisely where it is). Unset, and always at most: the migrate_to timeout less the " +
      "time kept for that clean-up.",
  }),
  migration_preflight: param.boolean({
    default: true,
    reloadable: true,
    shortdesc: "Check the target before migrating",
    longdesc:
      "Before anything moves, ask the target over the migration transport (ssh, also for xm) for its free " +
      "memory (xl info), for domains of this name there, and whether the config file, the domain's disks and " +
      "its bridges exist (stat). A refusal names what is missing and changes nothing.",
  }),
  save_dir: param.string({
    reloadable: true,
    shortdesc: "Keep the domain's memory across stop and start (xl)",
    longdesc:
      "A directory on shared storage. Stop saves the running domain there (xl save) instead of shutting it " +
      "down, and start restores it (xl restore) when a saved image of this domain is present, then removes it. " +
      "An image that is older than the config file, or whose domain name, UUID or config digest differ from " +
      "what it was saved with, is never restored: it is renamed aside (NAME.save.stale-TIME) and logged. " +
      "If saving fails, stop shuts the domain down as usual.",
    check: plainPath,
  }),
};
