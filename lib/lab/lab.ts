import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { CommandResult } from "../exec/command.ts";
import { cleanupSim, createSimHost, listDomains, startHost, writeSampleConfig } from "../sim/index.ts";
import type { InstallDirs } from "../install/plan.ts";
import { clusterView, nodeRun, startNode, untilOnline } from "./daemons.ts";
import { attempt, must, SYSTEM_PATH } from "./host-command.ts";
import { createNetworks, createNodeMountNamespace, freshVolatileMounts, namespaces, privateNsDir, removeNamespaces, setSwitchPort, type Namespaces } from "./namespaces.ts";
import { superviseGuests, type GuestNodes, type GuestNodeSpec } from "./guest-node.ts";
import { writeLabAgents, writeNodeFiles } from "./node-files.ts";
import { writeDom0StonithAdmin } from "./dom0-tools.ts";
import { isPoweredOn, killNetns, labPaths, netnsInode, pidsInNetns, powerOff } from "./power.ts";

/**
 * A real corosync + Pacemaker cluster in namespaces on this machine, each
 * node a simulated Xen host running the installed ocf:xen-ha:XenDomain under
 * Pacemaker's own execd (doc/cluster-lab.md for the recipe). `startClusterLab`
 * brings it up; `down()` removes every process, mount, namespace and file it
 * made and says what, if anything, was left.
 */
export interface ClusterLabOptions {
  readonly nodes?: readonly string[];
  /** The simulator's time factor (1 = real Xen latencies). */
  readonly timeFactor: number;
  readonly tokenMs?: number;
  readonly memoryMiB?: number;
  /** Installs xen-ha into `dirs` (a directory of the lab's, removed with it); the nodes run what it installed. */
  readonly install: (dirs: InstallDirs) => Promise<unknown>;
  /** The Pacemaker resource id of domain vm1 (the scenarios' resource; default vm1). */
  readonly resource?: string;
  /** Guest nodes: cluster nodes living in simulated domains on the nodes above (lib/lab/guest-node.ts). */
  readonly guests?: readonly GuestNodeSpec[];
  /**
   * The corosync clusters, each a list of node and guest names (default: one of them all); a node
   * in none is a dom0 only, running no cluster daemons.
   */
  readonly clusters?: readonly (readonly string[])[];
  /** A corosync token per cluster, in `clusters` order (unset: `tokenMs`); a guest cluster runs a shorter one. */
  readonly clusterTokenMs?: readonly (number | undefined)[];
  /** A corosync consensus per cluster, in `clusters` order (unset: corosync's default, 1.2 x token). */
  readonly clusterConsensusMs?: readonly (number | undefined)[];
  /** Called with `down` before anything is made, so that a signal handler can remove a half-built lab. */
  readonly onDown?: (down: () => Promise<Leftovers>) => void;
}

export interface Leftovers {
  readonly namespaces: string[];
  readonly mounts: string[];
  readonly processes: number[];
}

const TOOLS = ["ip", "unshare", "nsenter", "setpriv", "mount", "corosync", "corosync-keygen", "pacemakerd", "cibadmin", "crm_mon", "crm_resource"];

/** Why this machine cannot run the lab, or undefined when it can. */
export async function labUnsupported(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "the cluster lab needs root (network and mount namespaces, bind mounts)";
  const path = SYSTEM_PATH.split(":");
  const missing = TOOLS.filter((tool) => !path.some((dir) => existsSync(join(dir, tool))));
  if (missing.length > 0) return `the cluster lab needs ${missing.join(", ")} (not found in ${SYSTEM_PATH}; .ci/setup-system installs them)`;
  if (!readFileSync("/proc/filesystems", "utf8").includes("\toverlay\n")) return "the cluster lab needs overlayfs (not in /proc/filesystems)";
  const trial = await attempt("unshare", ["--net", "--mount", "--uts", "true"]);
  return trial === undefined ? undefined : `this machine refuses new namespaces (${trial})`;
}

/**
 * With XHL_KEEP_LOGS set to a directory, a lab taken down leaves its nodes'
 * logs (corosync, Pacemaker, xen) and fence.log there, under a directory
 * named after the lab: what a bench run's odd figure needs to be explained.
 */
function keepLogs(lab: string, nodes: readonly string[]): void {
  const keep = process.env["XHL_KEEP_LOGS"];
  if (!keep) return;
  const into = join(keep, basename(lab));
  try {
    for (const node of nodes) cpSync(join(labPaths(lab).node(node), "log"), join(into, node), { recursive: true });
    cpSync(labPaths(lab).fenceLog, join(into, "fence.log"));
  } catch (error) {
    process.stderr.write(`cluster lab: logs not kept in ${into}: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

export async function startClusterLab(options: ClusterLabOptions) {
  const dom0s = options.nodes ?? ["node1", "node2"];
  const guests = options.guests ?? [];
  // every machine with namespaces: the dom0s, then the guests
  const nodes = [...dom0s, ...guests.map((g) => g.name)];
  const clusters = options.clusters ?? [nodes];
  const clusterOf = (node: string): readonly string[] => clusters.find((c) => c.includes(node)) ?? [node];
  let guestNodes: GuestNodes | undefined;
  const prefix = `xhl-${process.pid}-`;
  const lab = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(lab, 0o755);
  const ns: Namespaces = namespaces(prefix, lab, nodes);
  const paths = labPaths(lab);
  const inodes: number[] = [];
  const installBase = mkdtempSync(join(tmpdir(), `${prefix}install-`));
  chmodSync(installBase, 0o755);
  const installDirs: InstallDirs = {
    ocfRoot: join(installBase, "ocf"),
    prefix: join(installBase, "lib", "xen-ha"),
    sbinDir: join(installBase, "sbin"),
    stonithDir: join(installBase, "stonith"),
    manDir: join(installBase, "man"),
  };
  let downing: Promise<Leftovers> | undefined;

  // one teardown however many callers (the driver's finally, a signal handler) ask for it
  const down = (): Promise<Leftovers> =>
    (downing ??= (async () => {
      keepLogs(lab, nodes);
      await guestNodes?.stop();
      for (const inode of inodes) killNetns(inode);
      if (existsSync(paths.simRoot)) cleanupSim(paths.simRoot);
      await removeNamespaces(ns);
      // once more for what a signal's kill of a command in flight left (lib/exec kills them on SIGINT)
      if (leftovers().mounts.length + leftovers().namespaces.length > 0) await removeNamespaces(ns);
      // a mount that would not go makes rmSync fail: leftovers() names it instead of an exception
      for (const dir of [lab, installBase]) {
        try {
          rmSync(dir, { recursive: true, force: true });
        } catch {
          // reported below
        }
      }
      return leftovers();
    })());
  options.onDown?.(down);
  const leftovers = (): Leftovers => ({
    namespaces: existsSync("/run/netns") ? readdirSync("/run/netns").filter((n) => n.startsWith(prefix)) : [],
    mounts: readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((line) => line.includes(lab)),
    processes: [...inodes.flatMap((inode) => pidsInNetns(inode)), ...processesNaming(lab)],
  });

  try {
    for (const node of nodes) mkdirSync(paths.node(node), { recursive: true });
    await options.install(installDirs);
    for (const node of nodes) createSimHost({ root: paths.simRoot, host: node, timeFactor: options.timeFactor, basePath: SYSTEM_PATH });
    // fence_xen's look at the dom0 cluster's fence history, over the simulated ssh (dom0-stonith-admin.ts)
    for (const node of dom0s) writeDom0StonithAdmin(lab, node, join(paths.simRoot, "hosts", node, "bin"));
    const config = writeSampleConfig({ root: paths.simRoot, name: "vm1", memoryMiB: options.memoryMiB ?? 256 });
    for (const guest of guests) writeSampleConfig({ root: paths.simRoot, name: guest.name, memoryMiB: guest.memoryMiB ?? 512 });
    await createNetworks(ns);
    for (const name of ["guests", ...nodes]) inodes.push(netnsInode(`/run/netns/${ns.netns(name)}`) ?? -1);
    await privateNsDir(lab);
    // one key per cluster: clusters sharing the lab's switch stay apart
    const authkeys = clusters.map((_, i) => join(lab, `authkey${i === 0 ? "" : i + 1}`));
    for (const authkey of authkeys) await must("corosync-keygen", ["-k", authkey]);
    const install = { ocfResourceDir: join(installDirs.ocfRoot, "resource.d"), xenHa: join(installDirs.sbinDir, "xen-ha") };
    writeLabAgents(install.ocfResourceDir);
    for (const node of nodes) {
      const at = clusters.indexOf(clusterOf(node));
      const tuning = { tokenMs: options.clusterTokenMs?.[at] ?? options.tokenMs ?? 1_000, consensusMs: options.clusterConsensusMs?.[at], members: clusterOf(node), clusterName: at > 0 ? `xhl${at + 1}` : "xhl" };
      await createNodeMountNamespace(ns, node, await writeNodeFiles(ns, node, tuning, authkeys[Math.max(0, at)] as string, install));
    }
    const members = clusters.flat();
    await Promise.all(dom0s.filter((node) => members.includes(node)).map((node) => startNode(ns, node)));
    if (guests.length > 0) guestNodes = superviseGuests({ ns, simRoot: paths.simRoot, dom0s, guests });
    for (const guest of guests) if (guest.dom0 !== undefined) await guestNodes?.create(guest.name, guest.dom0);
    for (const cluster of clusters) if (cluster.every((node) => dom0s.includes(node) || guests.some((g) => g.name === node && g.dom0 !== undefined))) await untilOnline(ns, cluster[0] as string, cluster);
    return { lab, ns, nodes, dom0s, clusters, guests: guestNodes, config, resource: options.resource ?? "vm1", simRoot: paths.simRoot, down, leftovers, ...clusterActions(ns, paths.simRoot, (node) => members.includes(node)) };
  } catch (error) {
    await down();
    throw error;
  }
}

/** Processes whose command line names the lab dir (simulated guests and tools), other than this one. */
function processesNaming(lab: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(lab);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function clusterActions(ns: Namespaces, simRoot: string, member: (node: string) => boolean) {
  return {
    /** A command on `node`. */
    run: (node: string, command: readonly string[], timeoutMs = 30_000): Promise<CommandResult> => nodeRun(ns, node, command, timeoutMs),
    view: (node: string) => clusterView(ns, node),
    untilOnline: (node: string, expected: readonly string[], timeoutMs?: number) => untilOnline(ns, node, expected, timeoutMs),
    /** Ground truth: the simulated hosts on which a domain named vm1 exists. */
    vm1Hosts: (): string[] => ns.nodes.filter((host) => listDomains(simRoot, host).some((d) => d.name === "vm1")),
    /** A crash: the node's processes and its simulated host die at once. */
    powerOff: (node: string) => powerOff(ns.lab, node),
    isPoweredOn: (node: string): boolean => isPoweredOn(ns.lab, node),
    /** Cuts the node off the lab's network (its switch port down); it stays alive. */
    partition: (node: string): Promise<void> => setSwitchPort(ns, node, false),
    heal: (node: string): Promise<void> => setSwitchPort(ns, node, true),
    /** fence_lab fails the next `count` fences, leaving the target alone (0 clears the knob). */
    failNextFences: (count: number): void => writeFileSync(labPaths(ns.lab).fenceFailures, String(count)),
    /** Powers a node back on: the simulated host boots, fresh /run and /dev/shm, corosync and pacemakerd start (on a cluster member). */
    async powerOn(node: string): Promise<void> {
      // a guest node has no power of its own: it boots when its domain does
      if (existsSync(labPaths(ns.lab).guestDomain(node))) throw new Error(`${node} is a guest node: create its domain (guests.create) instead`);
      startHost(simRoot, node);
      await freshVolatileMounts(ns, node);
      if (member(node)) await startNode(ns, node);
    },
    pacemakerLog: (node: string): string => readIfThere(join(labPaths(ns.lab).node(node), "log", "pacemaker", "pacemaker.log")),
    corosyncLog: (node: string): string => readIfThere(join(labPaths(ns.lab).node(node), "log", "corosync", "corosync.log")),
    fenceLog: (): string => readIfThere(labPaths(ns.lab).fenceLog),
  };
}

const readIfThere = (file: string): string => (existsSync(file) ? readFileSync(file, "utf8") : "");

export type ClusterLab = Awaited<ReturnType<typeof startClusterLab>>;
