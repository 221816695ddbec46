import { padLeft, type SimContext } from "../context.ts";
import type { HostRecord } from "../host/model.ts";
import { freeMemoryMiB, findByName } from "../host/store.ts";
import { allViews, viewOf, type DomainView } from "../host/views.ts";
import { findDomain, type XlCommand } from "./command.ts";

/** `xl info`, `domid`, `domname`, `uptime`, `vcpu-list` (xl_info.c, xl_vcpu.c). */

/**
 * Xen's boot line. A host set up for autoballoon boots without dom0_mem=, the
 * only way xl's autoballoon="auto" (the default) turns ballooning on; a host
 * with a fixed Domain-0 size says so, and xl leaves dom0 alone.
 */
function xenCommandline(record: HostRecord): string {
  const dom0Mem = record.knobs.autoballoon ? "" : ` dom0_mem=${record.dom0BootMemoryMiB}M,max:${record.dom0BootMemoryMiB}M`;
  return `placeholder${dom0Mem} no-real-mode edd=off`;
}

/** `xl info` keys and values in print order (xl_info.c print_info). */
export function infoEntries(ctx: SimContext, record: HostRecord): [string, string][] {
  const p = ctx.persona;
  const version = `${p.xenMajor}.${p.xenMinor}${p.xenExtra}`;
  const entries: [string, string | undefined][] = [
    ["host", record.host],
    ["release", "6.1.0-18-amd64"],
    ["version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"],
    ["machine", "x86_64"],
    ["nr_cpus", String(record.cpus)],
    ["max_cpu_id", p.xenMinor >= 5 ? String(record.cpus - 1) : undefined],
    ["nr_nodes", "1"],
    ["cores_per_socket", String(record.cpus)],
    ["threads_per_core", "1"],
    ["cpu_mhz", "2394.454"],
    ["hw_caps", "178bf3ff:f6d8320b:2e500800:244037ff:0000000f:f1bf07a9:00405f4e:00000100"],
    ["virt_caps", "hvm hvm_directio"],
    ["total_memory", String(record.totalMemoryMiB)],
    ["free_memory", String(freeMemoryMiB(record))],
    ["sharing_freed_memory", "0"],
    ["sharing_used_memory", "0"],
    ["outstanding_claims", "0"],
    ["free_cpus", "0"],
    ["xen_major", String(p.xenMajor)],
    ["xen_minor", String(p.xenMinor)],
    ["xen_extra", p.xenExtra],
    ["xen_version", p.xenMinor >= 5 ? version : undefined],
    ["xen_caps", "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64"],
    ["xen_scheduler", "credit2"],
    ["xen_pagesize", "4096"],
    ["platform_params", "virt_start=0xffff800000000000"],
    ["xen_changeset", ""],
    ["xen_commandline", xenCommandline(record)],
    ["cc_compiler", "x86_64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0"],
    ["cc_compile_by", "pkg-xen-devel"],
    ["cc_compile_domain", "lists.alioth.debian.org"],
    ["cc_compile_date", "Mon Jan 15 10:00:00 UTC 2024"],
    ["build_id", p.xenMinor >= 5 ? "5a4b7b3c0f1e2d3c4b5a69788796a5b4c3d2e1f0" : undefined],
    ["xend_config_format", "4"],
  ];
  return entries.filter((e): e is [string, string] => e[1] !== undefined);
}

export const xlInfo: XlCommand = {
  name: "info",
  description: "Get information about Xen host",
  usage: "-n, --numa         List host NUMA topology information",
  spec: { short: "n", long: { numa: "n" } },
  minArgs: 0,
  latency: "queryMs",
  async run(ctx, options) {
    const field = ctx.persona.infoField && !options.flags.includes("n") ? options.positional[0] : undefined;
    const lines = infoEntries(ctx, ctx.read()).map(([key, value]) => `${key.padEnd(23)}: ${value}\n`);
    // `xl info FIELD` prints the value of every key that starts with FIELD
    const shown = field === undefined ? lines : lines.filter((l) => l.startsWith(field)).map((l) => l.slice(25));
    ctx.io.stdout(shown.join(""));
    return 0;
  },
};

export const xlDomid: XlCommand = {
  name: "domid",
  description: "Convert a domain name to domain id",
  usage: "<DomainName>",
  spec: { short: "" },
  minArgs: 1,
  latency: "queryMs",
  async run(ctx, options) {
    const name = options.positional[0] as string;
    const record = ctx.read();
    const domid = name === "Domain-0" ? 0 : findByName(record, name)?.domid;
    if (domid === undefined) {
      ctx.io.stderr(`Can't get domid of domain name '${name}', maybe this domain does not exist.\n`);
      return 1;
    }
    ctx.io.stdout(`${domid}\n`);
    return 0;
  },
};

export const xlDomname: XlCommand = {
  name: "domname",
  description: "Convert a domain id to domain name",
  usage: "<DomainId>",
  spec: { short: "" },
  minArgs: 1,
  latency: "queryMs",
  async run(ctx, options) {
    const argument = options.positional[0] as string;
    const digits = /^\s*[+-]?[0-9]+/.exec(argument)?.[0];
    if (digits === undefined) {
      ctx.io.stderr("Invalid domain id.\n\n");
      return 1;
    }
    const domid = Number.parseInt(digits, 10) >>> 0;
    const name = viewOf(ctx.read(), domid)?.name;
    if (!name) {
      ctx.io.stderr(`Can't get domain name of domain id '${domid}', maybe this domain does not exist.\n`);
      return 1;
    }
    ctx.io.stdout(`${name}\n`);
    return 0;
  },
};

export function formatUptime(seconds: number, short: boolean): string {
  const s = Math.floor(seconds);
  const day = Math.floor(s / 86_400);
  const hour = Math.floor((s % 86_400) / 3_600);
  const min = Math.floor((s % 3_600) / 60);
  const sec = s % 60;
  const clock = `${padLeft(hour, 2)}:${String(min).padStart(2, "0")}${short ? "" : `:${String(sec).padStart(2, "0")}`}`;
  if (day > 1) return `${day} days, ${clock}`;
  if (day === 1) return `${day} day, ${clock}`;
  return clock;
}

function uptimeLine(view: DomainView, now: number, short: boolean): string {
  const uptime = formatUptime((now - view.startedAt) / 1000, short);
  if (!short) return `${(view.name ?? "(null)").padEnd(33)} ${padLeft(view.domid, 4)} ${uptime}\n`;
  const time = new Date(now).toTimeString().slice(0, 8);
  return ` ${time} up ${uptime}, ${view.name} (${view.domid})\n`;
}

export const xlUptime: XlCommand = {
  name: "uptime",
  description: "Print uptime for all/some domains",
  usage: "[-s] [Domain]",
  spec: { short: "s" },
  minArgs: 0,
  latency: "queryMs",
  async run(ctx, options) {
    const record = ctx.read();
    const now = Date.now();
    const short = options.flags.includes("s");
    const domids = options.positional.map((a) => findDomain(ctx, record, a));
    // domains without a name (dying) have no /vm/UUID/start_time: skipped
    const views = domids.length > 0 ? domids.map((d) => viewOf(record, d, now)) : allViews(record, now);
    let text = short ? "" : `${"Name".padEnd(33)} ${"ID".padStart(4)} Uptime\n`;
    for (const view of views) if (view?.name) text += uptimeLine(view, now, short);
    ctx.io.stdout(text);
    return 0;
  },
};

export const xlVcpuList: XlCommand = {
  name: "vcpu-list",
  description: "List the VCPUs for all/some domains",
  usage: "[Domain, ...]",
  spec: { short: "" },
  minArgs: 0,
  latency: "queryMs",
  async run(ctx, options) {
    const record = ctx.read();
    const domids = options.positional.map((a) => findDomain(ctx, record, a));
    const views = domids.length > 0 ? domids.map((d) => viewOf(record, d)) : allViews(record);
    let text = "Name                                ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)\n";
    for (const view of views) {
      if (!view) return 1;
      for (let vcpu = 0; vcpu < view.vcpus; vcpu++) {
        const cpu = (view.domid + vcpu) % record.cpus;
        const state = `${view.running ? "r" : "-"}${view.blocked ? "b" : "-"}${view.paused ? "p" : "-"}`;
        const time = (view.cpuSeconds / view.vcpus).toFixed(1);
        text += `${(view.name ?? "(null)").padEnd(32)} ${padLeft(view.domid, 5)} ${padLeft(vcpu, 5)} ${padLeft(cpu, 5)}   ${state} ${padLeft(time, 9)}  all / all\n`;
      }
    }
    ctx.io.stdout(text);
    return 0;
  },
};
