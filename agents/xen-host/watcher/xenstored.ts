import { listKernelDir, readKernelFile } from "../../../lib/toolstack/kernel-files.ts";

/**
 * Which xenstored runs in dom0: its pid and start time (`/proc/PID/stat`:
 * the command name in parentheses, the start time in clock ticks as field
 * 22, proc(5)), for `xenstored` (C) or `oxenstored` (OCaml), as XenHost's
 * daemon check finds it (checks/daemons.ts). A xenstore-watch keeps no
 * watch in a xenstored started after it (doc/xenstore.md §2), so a change
 * of this identity means the watch must be made again. Undefined when none
 * runs in dom0 (dead, or in a stub domain, or the simulator's, which has no
 * process): then only the bounded xenstore-exists probe (daemon.ts) tells.
 * A scan of /proc, in-process: kernel pseudo-files, which do not block.
 */
const STAT = /^\d+ \((x|ox)enstored\) (.*)$/s;

export function xenstoredIdentity(sysroot: string): string | undefined {
  const pids = listKernelDir(sysroot, "proc")?.filter((entry) => /^\d+$/.test(entry)) ?? [];
  for (const pid of pids) {
    const stat = readKernelFile(sysroot, `proc/${pid}/stat`);
    const rest = stat.ok ? STAT.exec(stat.text.trim())?.[2] : undefined;
    // after "(comm) ": state is field 3, starttime field 22
    const started = rest?.split(" ")[19];
    if (started !== undefined) return `${pid}@${started}`;
  }
  return undefined;
}
