import type { XenHostContext } from "../deps.ts";
import { green, red, yellow, type Finding } from "../health.ts";
import { listKernelDir, readKernelFile } from "../../../lib/toolstack/kernel-files.ts";

/**
 * xenstored and xenconsoled among dom0's processes, by /proc/PID/comm (what
 * pidof matches, without depending on procps). xenstored is C (`xenstored`)
 * or OCaml (`oxenstored`); without it nothing can be created, migrated or
 * destroyed: red. xenconsoled only serves consoles and their logs: yellow.
 * Whether xenstored *answers* is the toolstack check's to see (libxl connects
 * to it for `xl info`); a process scan cannot hang.
 */
const DAEMONS = [
  { name: "xenstored", comms: ["xenstored", "oxenstored"], missing: red },
  { name: "xenconsoled", comms: ["xenconsoled"], missing: yellow },
] as const;

export function checkDaemons(ctx: XenHostContext): readonly Finding[] {
  if (!ctx.params.check_daemons) return [];
  const { sysroot } = ctx.deps;
  const pids = listKernelDir(sysroot, "proc")?.filter((entry) => /^\d+$/.test(entry));
  if (pids === undefined) return [yellow("daemons", "cannot list /proc")];
  const running = new Set<string>();
  for (const pid of pids) {
    const comm = readKernelFile(sysroot, `proc/${pid}/comm`);
    if (comm.ok) running.add(comm.text.trim()); // a process that ended meanwhile is simply not there
  }
  return DAEMONS.map(({ name, comms, missing }) => {
    const found = comms.find((comm) => running.has(comm));
    return found ? green(name, `${found} runs`) : missing(name, `no ${comms.join(" or ")} process in dom0`);
  });
}
