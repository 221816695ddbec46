import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * Whether this host shows positive evidence that no Xen domain can run
 * under it: the Linux kernel's own files, never the toolstack's words (xl
 * says "cannot init xl context" both on a host that did not boot Xen and on
 * a dom0 whose privcmd driver is missing while its domains run on).
 * Sources (doc/evidence.md):
 * - /sys/hypervisor/type reads "xen" in every Xen domain, dom0 and guests
 *   (Linux drivers/xen/sys-hypervisor.c: registered only when xen_domain());
 * - /proc/xen exists only in a kernel running on Xen (drivers/xen/xenbus/
 *   xenbus_probe.c creates the xenfs mount point in xenbus_init, which
 *   returns early unless xen_domain());
 * - /proc/xen/capabilities (xenfs, drivers/xen/xenfs/super.c
 *   capabilities_read) holds "control_d" only in the initial domain, dom0.
 * Both files come from code built into a Xen-enabled kernel, not modules,
 * so they are there from boot. Evidence is:
 * 1. capabilities readable without control_d: a Xen guest, not a dom0;
 * 2. sysfs and procfs mounted (/sys/kernel, /proc/version), and
 *    /sys/hypervisor/type absent or not "xen", and /proc/xen absent:
 *    the kernel does not run on Xen at all.
 * Anything else (a file unreadable for another reason, /sys not mounted,
 * the two witnesses disagreeing) is no evidence. These are kernel
 * pseudo-files that never block, so they are read in-process.
 */
export type HostEvidence = { readonly noXen: true; readonly evidence: string } | { readonly noXen: false };

/**
 * A directory standing for `/` when reading /sys and /proc. Unset on a real
 * host; the simulator (`xen-ha sim env`, createSimHost) sets it to a host's
 * kernel view, which follows its `hypervisor` knob.
 */
export const SYSROOT_ENV = "XEN_HA_SYSROOT";

type Read = { readonly text: string } | "absent" | "unknown";

export function hostEvidence(env: Readonly<Record<string, string | undefined>>): HostEvidence {
  const root = env[SYSROOT_ENV] || "/";
  const read = (path: string): Read => {
    try {
      return { text: readFileSync(join(root, path), "utf8").trim() };
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "ENOENT" ? "absent" : "unknown";
    }
  };
  const exists = (path: string): boolean | undefined => {
    try {
      statSync(join(root, path));
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "ENOENT" ? false : undefined;
    }
  };

  const capabilities = read("proc/xen/capabilities");
  if (typeof capabilities === "object") {
    return capabilities.text.split(/\s+/).includes("control_d")
      ? { noXen: false }
      : { noXen: true, evidence: "/proc/xen/capabilities has no control_d: this kernel is a Xen guest, not a dom0" };
  }
  const type = read("sys/hypervisor/type");
  if (type === "unknown" || (typeof type === "object" && type.text === "xen")) return { noXen: false };
  const mounted = exists("sys/kernel") === true && exists("proc/version") === true;
  if (!mounted || exists("proc/xen") !== false) return { noXen: false };
  const typeSays = type === "absent" ? "/sys/hypervisor/type does not exist" : `/sys/hypervisor/type reads '${type.text}'`;
  return { noXen: true, evidence: `this kernel does not run on Xen: ${typeSays} and /proc/xen does not exist` };
}
