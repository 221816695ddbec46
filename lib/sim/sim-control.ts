import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { clockFor } from "./context.ts";
import { markShutdown, wakeLater } from "./host/hypervisor.ts";
import type { DomainType, GuestBehaviour, HostKnobs, ShutdownReason } from "./host/model.ts";
import { writeKernelView } from "./host/kernel-view.ts";
import { sharedDir } from "./host/paths.ts";
import { signalPid } from "./host/processes.ts";
import { findByName, readHost, setBalloonTarget, updateHost } from "./host/store.ts";
import { readCallLog, type CallLogEntry } from "./tool-run.ts";
import { allViews, xlState } from "./host/views.ts";

/** Test and admin hooks: knobs, guest behaviour, ground truth. */

/** Merges knobs into a host's (timing entries merge one by one). */
export function setHostKnobs(root: string, host: string, knobs: Partial<HostKnobs>): void {
  updateHost(root, host, (record) => {
    record.knobs = { ...record.knobs, ...knobs, timing: { ...record.knobs.timing, ...knobs.timing } };
  });
  if (knobs.hypervisor !== undefined) writeKernelView(root, host);
}

/**
 * Sets how the guest named `name` behaves, now (if it runs) and in every
 * later domain of that name. A crashAfterMs counts from now for a running
 * guest, from boot for a later one.
 */
export function setGuestBehaviour(root: string, host: string, name: string, behaviour: Partial<GuestBehaviour>): void {
  updateHost(root, host, (record) => {
    const domain = findByName(record, name);
    // the balloon so far moved at the old speed
    if (domain) setBalloonTarget(record, domain, domain.targetMiB, Date.now());
    record.guests[name] = { ...record.guests[name], ...behaviour };
    if (!domain) return;
    if (behaviour.crashAfterMs !== undefined) {
      domain.crashAt = behaviour.crashAfterMs === null ? null : Date.now() + clockFor(record, process.env).scale(behaviour.crashAfterMs);
    }
    wakeLater(domain.guestPid);
  });
}

/** The guest stops now with a reason: "crash" (default), "poweroff" or "reboot" from inside the guest. */
export function stopGuest(root: string, host: string, name: string, reason: ShutdownReason = "crash"): boolean {
  return updateHost(root, host, (record) => {
    const domain = findByName(record, name);
    if (!domain) return false;
    markShutdown(record, domain, reason, Date.now());
    return true;
  });
}

/** Kills the domain's monitoring daemon (as a cgroup kill would): its lifecycle actions stop happening. */
export function killMonitor(root: string, host: string, name: string): boolean {
  return updateHost(root, host, (record) => {
    const domain = findByName(record, name);
    if (!domain?.monitorPid) return false;
    signalPid(domain.monitorPid, "SIGKILL");
    domain.monitorPid = null;
    return true;
  });
}

/** Ground truth for assertions: the guest domains of a host (Domain-0 left out). */
export interface DomainFacts {
  readonly name: string | null;
  readonly domid: number;
  /** xl's six state letters. */
  readonly state: string;
  readonly memoryMiB: number;
  readonly vcpus: number;
  readonly pauseCount: number;
  readonly shutdownReason: ShutdownReason | null;
  readonly dying: boolean;
  readonly booted: boolean;
  readonly guestPid: number | null;
  readonly monitorPid: number | null;
  readonly servicePort: number | null;
}

export function listDomains(root: string, host: string): DomainFacts[] {
  const record = readHost(root, host);
  return allViews(record)
    .filter((v) => v.record !== null)
    .map((v) => {
      const d = v.record!;
      return {
        name: d.name,
        domid: d.domid,
        state: xlState(v),
        memoryMiB: v.memoryMiB,
        vcpus: d.vcpus,
        pauseCount: d.pauseCount,
        shutdownReason: d.shutdownReason,
        dying: d.dying,
        booted: d.booted,
        guestPid: d.guestPid,
        monitorPid: d.monitorPid,
        servicePort: d.servicePort,
      };
    });
}

/** The 127.0.0.1 port of the service inside the named guest (undefined: no such domain). */
export function guestServicePort(root: string, host: string, name: string): number | undefined {
  return findByName(readHost(root, host), name)?.servicePort ?? undefined;
}

export function callLog(root: string, host: string): CallLogEntry[] {
  return readCallLog(root, host);
}

export interface SampleConfigOptions {
  readonly root: string;
  readonly name: string;
  readonly memoryMiB?: number;
  readonly vcpus?: number;
  readonly type?: DomainType;
  /** Default: <root>/shared/NAME.cfg. */
  readonly out?: string;
  /** Extra `key = value` lines, written as given. */
  readonly extraLines?: readonly string[];
}

/** Writes an xl.cfg (also valid for xm) for a simulated domain and returns its path. */
export function writeSampleConfig(options: SampleConfigOptions): string {
  const type = options.type ?? "pv";
  const file = options.out ?? join(sharedDir(options.root), `${options.name}.cfg`);
  const lines = [
    "# xen-ha simulator sample domain (xl.cfg(5) syntax; xm reads it too)",
    `name = "${options.name}"`,
    `type = "${type}"`,
    `memory = ${options.memoryMiB ?? 512}`,
    `vcpus = ${options.vcpus ?? 1}`,
    ...(type === "hvm" ? [] : ['kernel = "/boot/vmlinuz-6.1.0-18-amd64"', 'ramdisk = "/boot/initrd.img-6.1.0-18-amd64"', 'extra = "root=/dev/xvda1 ro"']),
    `disk = [ 'format=raw, vdev=xvda, access=rw, target=/dev/vg0/${options.name}' ]`,
    "vif = [ 'bridge=xenbr0' ]",
    'on_poweroff = "destroy"',
    'on_reboot = "restart"',
    'on_crash = "destroy"',
    ...(options.extraLines ?? []),
    "",
  ];
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, lines.join("\n"));
  return file;
}
