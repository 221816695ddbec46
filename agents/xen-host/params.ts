import { absolutePathProblem, listProblem, shown } from "../../lib/ocf/checks.ts";
import { param } from "../../lib/ocf/params.ts";

/** A Linux interface name (IFNAMSIZ less its NUL: 15), never a leading '-' or '.', never '/'. */
const bridgeProblem = (word: string): string | undefined =>
  /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$/.test(word) ? undefined : `${shown(word)} is not a network interface name (at most 15 letters, digits, _ . : -)`;

/**
 * Peers are IP addresses, not names: a name would be resolved by getaddrinfo
 * on libuv's thread pool, and a resolver that does not answer would hold the
 * agent's exit (doc/xen-host.md §3).
 */
const addressProblem = (word: string): string | undefined =>
  // node:net (and the streams behind it) only when the parameter is set, never for meta-data
  process.getBuiltinModule("node:net").isIP(word) !== 0 ? undefined : `${shown(word)} is not an IPv4 or IPv6 address`;

const listOf =
  (wordProblem: (word: string) => string | undefined, what: string) =>
  (value: string): string | undefined =>
    value.trim() === "" ? undefined : listProblem(value, wordProblem, what);

const seconds = (max: number) => param.integer({ min: 1, max });
const mib = param.integer({ max: 1 << 30 });
const percent = param.integer({ min: 1, max: 100_000 });

/**
 * XenHost's parameters: one per check and threshold. Every one is read by
 * each action afresh, so all are reloadable; a check whose list is empty
 * (or whose reserve is 0) is off.
 */
export const xenHostParams = {
  toolstack: param.select(["auto", "xl", "xm"])({
    default: "auto",
    reloadable: true,
    shortdesc: "Xen toolstack to ask",
    longdesc: "xl (Xen 4.x), xm (Xen 3 and xend), or auto: xl when installed, otherwise xm.",
  }),
  toolstack_timeout: seconds(300)({
    default: 10,
    reloadable: true,
    shortdesc: "Seconds `xl info` may take before the host is red",
    longdesc: "A toolstack that does not answer `xl info` (or `xm info`) within this time is killed and makes the host red.",
  }),
  toolstack_latency_yellow: param.integer({ min: 1, max: 300_000 })({
    default: 2000,
    reloadable: true,
    shortdesc: "Milliseconds of `xl info` latency from which the host is yellow",
  }),
  memory_reserve: mib({
    default: 0,
    reloadable: true,
    shortdesc: "MiB of free Xen memory the host must keep (0: no fixed floor)",
    longdesc:
      "What this host must be able to absorb when a peer fails: the memory of the domains it would take over, in MiB. " +
      "Xen's free_memory (xl info) below it makes the host red. The figure itself is published as xen-free-memory-mib. " +
      "With reserve_from_cib, the larger of this and the computed reserve applies.",
  }),
  reserve_from_cib: param.boolean({
    default: false,
    reloadable: true,
    shortdesc: "Compute the memory reserve from the CIB (the host's share of its failed peers' domains)",
    longdesc:
      "Reads the CIB's configuration (cibadmin --query, within cib_timeout): every XenDomain's memory (its utilization " +
      "hv_memory, else its configuration file's memory), the hosts, and xen-ha-failures-tolerated (else failures_tolerated). " +
      "When that many hosts fail, the survivors hold every domain, each an equal share; this host must have free what its " +
      "share exceeds the domains it runs now (doc/xen-host.md §5). Short of it is red; within reserve_yellow_percent of it " +
      "yellow; a CIB or configuration that cannot be read is yellow.",
  }),
  failures_tolerated: param.integer({ min: 1, max: 1_000 })({
    default: 1,
    reloadable: true,
    shortdesc: "Host failures the reserve covers when the CIB does not declare xen-ha-failures-tolerated",
  }),
  reserve_yellow_percent: param.integer({ min: 100, max: 1_000 })({
    default: 120,
    reloadable: true,
    shortdesc: "Free memory below this percent of the reserve is yellow",
  }),
  cib_timeout: seconds(60)({
    default: 5,
    reloadable: true,
    shortdesc: "Seconds reading the CIB and the domains' configuration files may take",
  }),
  recover_after: param.integer({ min: 1, max: 1_000 })({
    default: 3,
    reloadable: true,
    shortdesc: "Consecutive monitors a better colour must hold before it is published",
    longdesc:
      "A host turns worse at once, but better (red to yellow or green, yellow to green) only when this many monitors in a " +
      "row found it no worse than the new colour, and min_dwell has passed: a flapping check does not send domains back and forth.",
  }),
  min_dwell: param.integer({ max: 86_400 })({
    default: 120,
    reloadable: true,
    shortdesc: "Seconds a published colour holds at least before it may turn better",
  }),
  attribute_refresh: param.integer({ min: 1, max: 1_000 })({
    default: 10,
    reloadable: true,
    shortdesc: "Monitors after which every node attribute is written again (1: every monitor)",
    longdesc:
      "#health-xen is written at every monitor; a figure (xen-free-memory-mib, ...) only when it changed, and every attribute " +
      "at start and at least every this many monitors, so a figure attrd lost (a restart of pacemaker-attrd, the node " +
      "leaving and rejoining the cluster) is back within that many monitors (doc/xen-host.md §9).",
  }),
  check_daemons: param.boolean({
    default: true,
    reloadable: true,
    shortdesc: "Check that xenstored and xenconsoled run in dom0",
    longdesc:
      "Look for xenstored (or oxenstored) and xenconsoled among dom0's processes: no xenstored is red, no xenconsoled yellow. " +
      "Set false where xenstored runs in a stub domain.",
  }),
  bridges: param.string({
    reloadable: true,
    shortdesc: "Bridges that must be up",
    longdesc:
      "Network bridges (separated by spaces or commas) the domains' vifs use; each must exist with link state up " +
      "(/sys/class/net/NAME/operstate). Missing or down is red, unknown is yellow.",
    check: listOf(bridgeProblem, "bridge"),
  }),
  migration_peers: param.string({
    reloadable: true,
    shortdesc: "Peer dom0 addresses on the migration network",
    longdesc:
      "IP addresses (not names) of the other dom0s on the migration network. Each is probed with a TCP connection to " +
      "migration_port. None answering is red, some not answering yellow.",
    check: listOf(addressProblem, "address"),
  }),
  migration_port: param.integer({ min: 1, max: 65_535 })({
    default: 22,
    reloadable: true,
    shortdesc: "TCP port probed on each migration peer",
    longdesc: "22: xl migrate runs over ssh. Use 8002 for xm's relocation server.",
  }),
  peer_timeout: seconds(60)({
    default: 2,
    reloadable: true,
    shortdesc: "Seconds a migration peer may take to accept the connection",
  }),
  data_pool_paths: param.string({
    reloadable: true,
    shortdesc: "Directories of the HA data pool to probe",
    longdesc:
      "Absolute paths (separated by spaces or commas) on the shared storage; in each, a child process writes, syncs, " +
      "reads and removes a small file named .xen-ha-probe.NODE. A failure, or no answer within data_pool_timeout, is red.",
    check: listOf(absolutePathProblem, "path"),
  }),
  data_pool_timeout: seconds(300)({
    default: 10,
    reloadable: true,
    shortdesc: "Seconds the probe of one data pool path may take",
  }),
  dom0_memory_yellow: mib({
    default: 256,
    reloadable: true,
    shortdesc: "MiB of dom0 MemAvailable below which the host is yellow",
  }),
  dom0_memory_red: mib({
    default: 64,
    reloadable: true,
    shortdesc: "MiB of dom0 MemAvailable below which the host is red",
  }),
  load_yellow: percent({
    default: 200,
    reloadable: true,
    shortdesc: "dom0 5-minute load, in percent of its CPUs, above which the host is yellow",
  }),
  load_red: percent({
    default: 400,
    reloadable: true,
    shortdesc: "dom0 5-minute load, in percent of its CPUs, above which the host is red",
  }),
};

export type XenHostParams = typeof xenHostParams;
