import { padLeft } from "../context.ts";
import type { DomainRecord, HostRecord } from "../host/model.ts";
import type { Persona } from "../personas.ts";
import { freeMemoryMiB } from "../host/store.ts";
import { xmState, type DomainView } from "../host/views.ts";

/** What xm prints (xen34: tools/python/xen/xm/main.py, xend XendConfig.py, XendNode.py). */

export const XM_LIST_HEADER = "Name                                        ID   Mem VCPUs      State   Time(s)\n";

/** '%(name)-40s %(domid)5s %(mem)5d %(vcpus)5d %(state)10s %(cpu_time)8.1f' */
export function xmListRow(view: DomainView): string {
  return `${(view.name ?? "(null)").padEnd(40)} ${padLeft(view.domid, 5)} ${padLeft(view.memoryMiB, 5)} ${padLeft(view.vcpus, 5)} ${padLeft(xmState(view), 10)} ${padLeft(view.cpuSeconds.toFixed(1), 8)}\n`;
}

/**
 * xend's status number (XendAPIConstants): 0 halted, 1 paused, 2 running,
 * 3 suspended, 4 shutting down, 5 crashed, 6 unknown. A powered-off but
 * preserved domain is halted; one with an acked shutdown request is
 * shutting down [simulator's reading of xend].
 */
export function xmStatus(view: DomainView, domain: DomainRecord | null): number {
  if (view.crashed) return 5;
  if (view.shutdown) return view.reasonCode === 2 ? 3 : 0;
  if (view.dying) return 4;
  if (view.paused) return 1;
  if (domain && domain.control !== null && domain.control !== "") return 4;
  return 2;
}

export function xmSxp(view: DomainView, domain: DomainRecord | null): string {
  const config = domain?.config;
  const image =
    config?.type === "hvm"
      ? "(image (hvm (kernel /usr/lib/xen/boot/hvmloader) (device_model /usr/lib/xen/bin/qemu-dm)))"
      : `(image (linux (kernel ${config?.kernel ?? ""})${config?.ramdisk ? ` (ramdisk ${config.ramdisk})` : ""}${config?.cmdline ? ` (args '${config.cmdline}')` : ""}))`;
  const fields = [
    `(domid ${view.domid})`,
    `(on_crash ${config?.onCrash ?? "restart"})`,
    `(uuid ${view.uuid})`,
    `(vcpus ${view.vcpus})`,
    `(name ${view.name ?? ""})`,
    `(on_poweroff ${config?.onPoweroff ?? "destroy"})`,
    `(on_reboot ${config?.onReboot ?? "restart"})`,
    `(maxmem ${view.maxMemoryMiB})`,
    `(memory ${view.memoryMiB})`,
    `(shadow_memory 0)`,
    `(cpu_time ${view.cpuSeconds.toFixed(6)})`,
    `(online_vcpus ${view.vcpus})`,
    image,
    ...(config?.disks ?? []).map((d) => `(device (vbd (uname ${d.backend === "phy" ? "phy" : "file"}:${d.target}) (dev ${d.vdev}) (mode ${d.readwrite ? "w" : "r"})))`),
    ...(config?.nics ?? []).map((n) => `(device (vif (bridge ${n.bridge}) (mac ${n.mac})))`),
    `(status ${xmStatus(view, domain)})`,
    `(state ${xmState(view)})`,
    `(start_time ${(view.startedAt / 1000).toFixed(2)})`,
  ];
  return `(domain\n${fields.map((f) => `    ${f}\n`).join("")})\n`;
}

export function xmInfo(persona: Persona, record: HostRecord): string {
  const entries: [string, string][] = [
    ["system", "Linux"],
    ["host", record.host],
    ["release", "2.6.18-xen"],
    ["version", "#1 SMP Tue Mar 3 10:00:00 UTC 2009"],
    ["machine", "x86_64"],
    ["nr_cpus", String(record.cpus)],
    ["nr_nodes", "1"],
    ["cores_per_socket", String(record.cpus)],
    ["threads_per_core", "1"],
    ["cpu_mhz", "2394"],
    ["hw_caps", "178bf3ff:efd3fbff:00000000:00000310:00802001:00000000:0000001d:00000000"],
    ["virt_caps", "hvm"],
    ["total_memory", String(record.totalMemoryMiB)],
    ["free_memory", String(freeMemoryMiB(record))],
    ["node_to_cpu", `node0:0-${record.cpus - 1}`],
    ["node_to_memory", `node0:${freeMemoryMiB(record)}`],
    ["xen_major", String(persona.xenMajor)],
    ["xen_minor", String(persona.xenMinor)],
    ["xen_extra", persona.xenExtra],
    ["xen_caps", "xen-3.0-x86_64 xen-3.0-x86_32p hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64"],
    ["xen_scheduler", "credit"],
    ["xen_pagesize", "4096"],
    ["platform_params", "virt_start=0xffff800000000000"],
    ["xen_changeset", "unavailable"],
    ["cc_compiler", "gcc version 4.3.2 (Debian 4.3.2-1.1)"],
    ["cc_compile_by", "root"],
    ["cc_compile_domain", ""],
    ["cc_compile_date", "Tue Mar  3 10:00:00 UTC 2009"],
    ["xend_config_format", "4"],
  ];
  return entries.map(([key, value]) => `${key.padEnd(23)}: ${value}\n`).join("");
}
