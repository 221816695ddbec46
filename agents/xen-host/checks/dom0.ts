import type { XenHostContext } from "../deps.ts";
import { green, red, yellow, type Finding } from "../health.ts";
import { readKernelFile } from "../../../lib/toolstack/kernel-files.ts";

/** MemAvailable of /proc/meminfo (kB; Linux fs/proc/meminfo.c), in MiB. */
function memAvailableMiB(meminfo: string): number | undefined {
  const match = /^MemAvailable:\s+(\d+) kB$/m.exec(meminfo);
  return match ? Math.floor(Number(match[1]) / 1024) : undefined;
}

/**
 * dom0's own health: its memory (MemAvailable: what can be allocated
 * without swapping, the kernel's estimate) and its 5-minute load against
 * its CPU count (the cpuN lines of /proc/stat: dom0's vCPUs, not the host's).
 * A dom0 starved of either delays every toolstack call and the backends.
 */
export function checkDom0(ctx: XenHostContext): readonly Finding[] {
  const { params, deps } = ctx;
  const findings: Finding[] = [];

  const meminfo = readKernelFile(deps.sysroot, "proc/meminfo");
  const available = meminfo.ok ? memAvailableMiB(meminfo.text) : undefined;
  if (available === undefined) findings.push(yellow("dom0 memory", meminfo.ok ? "no MemAvailable in /proc/meminfo" : `cannot read /proc/meminfo (${meminfo.code})`));
  else if (available < params.dom0_memory_red) findings.push(red("dom0 memory", `${available} MiB available, less than ${params.dom0_memory_red} MiB`));
  else if (available < params.dom0_memory_yellow) findings.push(yellow("dom0 memory", `${available} MiB available, less than ${params.dom0_memory_yellow} MiB`));
  else findings.push(green("dom0 memory", `${available} MiB available`));

  const loadavg = readKernelFile(deps.sysroot, "proc/loadavg");
  const stat = readKernelFile(deps.sysroot, "proc/stat");
  const load = loadavg.ok ? Number(loadavg.text.split(/\s+/)[1]) : Number.NaN;
  const cpus = stat.ok ? (stat.text.match(/^cpu\d+ /gm) ?? []).length : 0;
  if (!Number.isFinite(load) || cpus === 0) {
    findings.push(yellow("dom0 load", "cannot read /proc/loadavg and the CPU count of /proc/stat"));
  } else {
    const percent = Math.round((load / cpus) * 100);
    const figure = `5-minute load ${load} on ${cpus} CPU(s) (${percent}%)`;
    if (percent > params.load_red) findings.push(red("dom0 load", `${figure}, more than ${params.load_red}%`));
    else if (percent > params.load_yellow) findings.push(yellow("dom0 load", `${figure}, more than ${params.load_yellow}%`));
    else findings.push(green("dom0 load", figure));
  }
  return findings;
}
