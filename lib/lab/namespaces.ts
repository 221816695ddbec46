import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { attempt, must } from "./host-command.ts";
import { labPaths, netnsInode } from "./power.ts";

/**
 * The lab's machines (doc/cluster-lab.md §1): a switch namespace with a bridge,
 * one network namespace per node wired to it by a veth pair (10.213.0.1N/24,
 * no default route, no IPv6), a guest network namespace where every
 * simulated domain lives whichever dom0 runs it (a guest is reachable at
 * one place, as on a real LAN), and per node a persistent mount and UTS
 * namespace bound to files under <lab>/ns. Nothing is added to the
 * machine's own interfaces or mount table beyond the lab's own bind mounts.
 */
export interface Namespaces {
  readonly prefix: string;
  readonly lab: string;
  readonly nodes: readonly string[];
  readonly netns: (name: string) => string;
  readonly address: (node: string) => string;
  /** Files nsenter takes: --net, --mount, --uts of a node. */
  readonly enter: (node: string) => string[];
  readonly guestsNet: string;
}

export function namespaces(prefix: string, lab: string, nodes: readonly string[]): Namespaces {
  const netns = (name: string) => `${prefix}${name}`;
  return {
    prefix,
    lab,
    nodes,
    netns,
    address: (node) => `10.213.0.${11 + nodes.indexOf(node)}`,
    enter: (node) => [`--net=/run/netns/${netns(node)}`, `--mount=${join(lab, "ns", `${node}.mnt`)}`, `--uts=${join(lab, "ns", `${node}.uts`)}`],
    guestsNet: join(lab, "guests.net"),
  };
}

const noIpv6 = (ns: string) => must("nsenter", [`--net=/run/netns/${ns}`, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"]);

export async function createNetworks(ns: Namespaces): Promise<void> {
  const sw = ns.netns("sw");
  await must("ip", ["netns", "add", sw]);
  await noIpv6(sw);
  await must("ip", ["-n", sw, "link", "add", "br0", "type", "bridge"]);
  await must("ip", ["-n", sw, "link", "set", "br0", "up"]);
  for (const node of ns.nodes) {
    const name = ns.netns(node);
    await must("ip", ["netns", "add", name]);
    await noIpv6(name);
    writeFileSync(labPaths(ns.lab).netnsId(node), String(netnsInode(`/run/netns/${name}`)));
    await must("ip", ["-n", sw, "link", "add", `v-${node}`, "type", "veth", "peer", "name", "eth0", "netns", name]);
    await must("ip", ["-n", sw, "link", "set", `v-${node}`, "master", "br0", "up"]);
    await must("ip", ["-n", name, "addr", "add", `${ns.address(node)}/24`, "dev", "eth0"]);
    await must("ip", ["-n", name, "link", "set", "lo", "up"]);
    await must("ip", ["-n", name, "link", "set", "eth0", "up"]);
  }
  const guests = ns.netns("guests");
  await must("ip", ["netns", "add", guests]);
  await must("ip", ["-n", guests, "link", "set", "lo", "up"]);
  // the nodes' /run is private tmpfs: they reach the guest network through this file under the lab dir
  writeFileSync(ns.guestsNet, "");
  await must("mount", ["--bind", `/run/netns/${guests}`, ns.guestsNet]);
}

export interface NodeMounts {
  /** Per-node directories bound over the system's: target -> source. */
  readonly binds: Readonly<Record<string, string>>;
  /** Read-only overlays: target -> extra layer shown on top of it. */
  readonly overlays: Readonly<Record<string, string>>;
}

/**
 * A partition of one node: its port on the lab's switch goes down (or up
 * again). The node stays alive and sees the others vanish, as they see it.
 */
export async function setSwitchPort(ns: Namespaces, node: string, up: boolean): Promise<void> {
  await must("ip", ["-n", ns.netns("sw"), "link", "set", `v-${node}`, up ? "up" : "down"]);
}

/** A node's own mount and UTS namespace: hostname, fresh /run and /dev/shm, its state dirs, our agents on top of /usr. */
export async function createNodeMountNamespace(ns: Namespaces, node: string, mounts: NodeMounts): Promise<void> {
  const dir = join(ns.lab, "ns");
  const [, mnt, uts] = ns.enter(node).map((option) => option.slice(option.indexOf("=") + 1));
  writeFileSync(mnt as string, "");
  writeFileSync(uts as string, "");
  await must("unshare", [`--mount=${mnt}`, `--uts=${uts}`, "--propagation", "private", "true"]);
  const inside = (args: readonly string[]) => must("nsenter", [`--mount=${mnt}`, `--uts=${uts}`, "--", ...args]);
  await inside(["hostname", node]);
  // its copy of <lab>/ns would keep the other nodes' mount namespaces referenced
  await inside(["umount", "-l", dir]);
  await freshVolatileMounts(ns, node);
  for (const [target, source] of Object.entries(mounts.binds)) await inside(["mount", "--bind", source, target]);
  for (const [target, layer] of Object.entries(mounts.overlays)) {
    await inside(["mount", "-t", "overlay", `${node}-overlay`, "-o", `lowerdir=${layer}:${target}`, target]);
  }
  // a panic path in Pacemaker must not reach the machine: no sysrq (cluster-lab pitfall 1)
  if (existsSync("/proc/sysrq-trigger")) await inside(["mount", "--bind", "/dev/null", "/proc/sysrq-trigger"]);
}

/** A fresh, empty /run and /dev/shm on the node, as after a boot (mounted over whatever was there). */
export async function freshVolatileMounts(ns: Namespaces, node: string): Promise<void> {
  const [, mnt] = ns.enter(node);
  await must("nsenter", [mnt as string, "--", "mount", "-t", "tmpfs", "-o", "mode=0755", `${node}-run`, "/run"]);
  // libqb's IPC files: every daemon user must be able to create them
  await must("nsenter", [mnt as string, "--", "mount", "-t", "tmpfs", "-o", "mode=1777", `${node}-shm`, "/dev/shm"]);
}

/** <lab>/ns bound onto itself and private: mount namespace files may only live on a private mount. */
export async function privateNsDir(lab: string): Promise<void> {
  const dir = join(lab, "ns");
  mkdirSync(dir, { recursive: true });
  await must("mount", ["--bind", dir, dir]);
  await must("mount", ["--make-private", dir]);
}

const mounted = (target: string): boolean => readFileSync("/proc/self/mountinfo", "utf8").includes(` ${target} `);

/** Unmounts the namespace files and the lab's binds, deletes the lab's network namespaces (their processes must be gone). */
export async function removeNamespaces(ns: Namespaces): Promise<void> {
  const dir = join(ns.lab, "ns");
  for (const node of ns.nodes) {
    for (const file of [join(dir, `${node}.mnt`), join(dir, `${node}.uts`)]) if (existsSync(file)) await attempt("umount", [file]);
  }
  for (const target of [dir, ns.guestsNet]) if (mounted(target)) await attempt("umount", [target]);
  for (const name of ["sw", "guests", ...ns.nodes]) if (existsSync(`/run/netns/${ns.netns(name)}`)) await attempt("ip", ["netns", "del", ns.netns(name)]);
}
