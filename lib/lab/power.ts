import { appendFileSync, readdirSync, readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { killHost } from "../sim/index.ts";

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
});

/** Inode of a network namespace file (/run/netns/NAME, /proc/PID/ns/net). */
export function netnsInode(file: string): number | undefined {
  try {
    return statSync(file).ino;
  } catch {
    return undefined;
  }
}

/** Every live pid whose network namespace has this inode (zombies have no ns links and drop out). */
export function pidsInNetns(inode: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== process.pid && netnsInode(`/proc/${pid}/ns/net`) === inode);
}

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
  return outcome;
}

/** Whether any process of the node is alive. */
export function isPoweredOn(lab: string, node: string): boolean {
  return pidsInNetns(Number(readFileSync(labPaths(lab).netnsId(node), "utf8"))).length > 0;
}
