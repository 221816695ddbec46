import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { pidsInNetns } from "./netns.ts";
import { hostname } from "node:os";
import { join } from "node:path";
import { killHost, listDomains, listHosts } from "../sim/index.ts";

/**
 * Power for the lab's machines: a node is every process in its network
 * namespace (matched by the namespace's inode, so only what the lab started
 * there) plus the simulated Xen host of the same name. Shared by the test
 * driver (a crash) and the lab fence agent (a fence), so both pull the same
 * plug.
 */
export const labPaths = (lab: string, simRoot = join(lab, "sim")) => ({
  simRoot,
  fenceLog: join(lab, "fence.log"),
  /** How many more fences fence_lab is to fail (a number; absent = none). */
  fenceFailures: join(lab, "fence-failures"),
  node: (node: string) => join(lab, "nodes", node),
  /** The kernel view (/sys, /proc) of the node's simulated Xen host, as the simulator lays it out. */
  sysroot: (node: string) => join(simRoot, "hosts", node, "sysroot"),
  netnsId: (node: string) => join(lab, "nodes", node, "netns.id"),
  /** Present for a guest node (lib/lab/guest-node.ts): the name of the domain it lives in. */
  guestDomain: (node: string) => join(lab, "nodes", node, "guest-domain"),
});

export { netnsInode, pidsInNetns } from "./netns.ts";

/** A synchronous pause: the fence agent is a plain synchronous program. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** SIGKILLs every process of the namespace until none is left (bounded: 10 s); returns how many it killed. */
export function killNetns(inode: number): { killed: number; left: number } {
  const seen = new Set<number>();
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pids = pidsInNetns(inode);
    if (pids.length === 0 || Date.now() > deadline) return { killed: seen.size, left: pids.length };
    for (const pid of pids) {
      seen.add(pid);
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    pause(50);
  }
}

export function fenceLog(lab: string, text: string): void {
  appendFileSync(labPaths(lab).fenceLog, `${Date.now()} ${hostname()} fence_lab[${process.pid}] ${text}\n`);
}

/** Powers `node` off: its namespace's processes die, and so does its simulated Xen host with every domain on it. */
export function powerOff(lab: string, node: string): { killed: number; left: number } {
  const paths = labPaths(lab);
  const inode = Number(readFileSync(paths.netnsId(node), "utf8"));
  const outcome = killNetns(inode);
  killHost(paths.simRoot, node);
  if (existsSync(paths.guestDomain(node))) destroyDomain(paths.simRoot, readFileSync(paths.guestDomain(node), "utf8"));
  return outcome;
}

/** A guest node loses power with its domain: the dom0 running it destroys it (its own xl, bounded), as a hypervisor-level fence does. */
function destroyDomain(simRoot: string, name: string): void {
  for (const host of listHosts(simRoot)) {
    if (listDomains(simRoot, host).some((d) => d.name === name)) spawnSync(join(simRoot, "hosts", host, "bin", "xl"), ["destroy", name], { timeout: 30_000, stdio: "ignore" });
  }
}

/** Whether any process of the node is alive. */
export function isPoweredOn(lab: string, node: string): boolean {
  return pidsInNetns(Number(readFileSync(labPaths(lab).netnsId(node), "utf8"))).length > 0;
}
