import { readdirSync, statSync } from "node:fs";

/** A lab node's processes, found by their network namespace. */

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
