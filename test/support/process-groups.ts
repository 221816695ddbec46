import { readdirSync, readFileSync } from "node:fs";

/**
 * The live (not zombie) processes of a process group, read from /proc: the
 * ground truth for "nothing of the command survived its deadline". A test
 * names the group by the pid of the command it started (every command is the
 * leader of its own group), learnt from a pid file the command wrote.
 */
export function liveMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone while we looked
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z" && state !== "X") members.push(Number(entry));
  }
  return members;
}

/** Waits up to `withinMs` for the group to be empty (a KILL takes a moment to land); returns who is left. */
export async function survivors(pgid: number, withinMs = 3_000): Promise<number[]> {
  const until = Date.now() + withinMs;
  for (;;) {
    const left = liveMembers(pgid);
    if (left.length === 0 || Date.now() >= until) return left;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The pids a test command wrote to `file`, one a line (none when it never got that far). */
export function pidsIn(file: string): number[] {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
