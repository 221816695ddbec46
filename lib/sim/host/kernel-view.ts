import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostPaths } from "./paths.ts";
import { readHost } from "./store.ts";

/**
 * The few files of a kernel's /sys and /proc that say whether Xen runs
 * (lib/toolstack/host-evidence.ts reads them under XEN_HA_SYSROOT; the
 * kernel sources behind each are in doc/evidence.md §2):
 * - dom0: /sys/hypervisor/type "xen", /proc/xen/capabilities "control_d";
 * - dom0-without-xenfs: the same before xenfs is mounted (/proc/xen empty);
 * - domU: a Xen guest, capabilities empty;
 * - no-xen: a kernel that did not boot on Xen: neither file nor /proc/xen.
 * sysfs and procfs are mounted in every kind (/sys/kernel, /proc/version).
 */
export type KernelKind = "dom0" | "dom0-without-xenfs" | "domU" | "no-xen";

export function writeKernelFiles(dir: string, kind: KernelKind): string {
  rmSync(join(dir, "sys", "hypervisor"), { recursive: true, force: true });
  rmSync(join(dir, "proc", "xen"), { recursive: true, force: true });
  mkdirSync(join(dir, "sys", "kernel"), { recursive: true });
  mkdirSync(join(dir, "proc"), { recursive: true });
  writeFileSync(join(dir, "proc", "version"), "Linux version 6.1.0 (simulated)\n");
  if (kind === "no-xen") return dir;
  mkdirSync(join(dir, "sys", "hypervisor"), { recursive: true });
  writeFileSync(join(dir, "sys", "hypervisor", "type"), "xen\n");
  mkdirSync(join(dir, "proc", "xen"), { recursive: true });
  if (kind === "dom0") writeFileSync(join(dir, "proc", "xen", "capabilities"), "control_d\n");
  if (kind === "domU") writeFileSync(join(dir, "proc", "xen", "capabilities"), "");
  return dir;
}

/** A simulated host's kernel view: a dom0, or with the `hypervisor` knob off a node that did not boot Xen. */
export function writeKernelView(root: string, host: string): void {
  writeKernelFiles(hostPaths(root, host).sysrootDir, readHost(root, host).knobs.hypervisor ? "dom0" : "no-xen");
}
