import type { DomainConfig, DomainRecord, HostRecord, ShutdownReason } from "./model.ts";
import { signalPid, WAKE_SIGNAL } from "./processes.ts";
import { afterCommit, behaviourOf, findByName, freeMemoryMiB, overheadMiB } from "./store.ts";

/**
 * What the hypervisor and xenstore do to a host's state: synchronous
 * mutations, called inside updateHost. Timing (create and destroy latency)
 * belongs to the callers; nothing here sleeps.
 */

const MAX_GUEST_DOMID = 0x7fef;

/** Wakes a guest or monitor once the change it should see is written. */
export function wakeLater(pid: number | null): void {
  afterCommit(() => signalPid(pid, WAKE_SIGNAL));
}

/** CPU time a guest accumulates per running second: busy guests a lot, idle ones a little. */
function load(record: HostRecord, domain: DomainRecord): number {
  return behaviourOf(record, domain.name).busy ? 1 : 0.02;
}

export function cpuSecondsNow(record: HostRecord, domain: DomainRecord, now: number): number {
  const running = domain.runningSince === null ? 0 : ((now - domain.runningSince) / 1000) * load(record, domain);
  return domain.cpuSeconds + running;
}

function stopClock(record: HostRecord, domain: DomainRecord, now: number): void {
  domain.cpuSeconds = cpuSecondsNow(record, domain, now);
  domain.runningSince = null;
}

/** Whether the domain's vCPUs may run: not paused, not shut down, not dying. */
export function isRunnable(domain: DomainRecord): boolean {
  return domain.pauseCount === 0 && domain.shutdownReason === null && !domain.dying;
}

/**
 * The next domid: monotonic from 1, wrapping below 0x7ff0, never one in use
 * and never one freed less than `reuseMs` ago (Xen >= 4.14).
 */
export function allocateDomid(record: HostRecord, now: number, reuseMs: number): number {
  record.freedDomids = record.freedDomids.filter((f) => now - f.at < reuseMs);
  const taken = new Set([...record.domains.map((d) => d.domid), ...record.freedDomids.map((f) => f.domid)]);
  let candidate = record.nextDomid;
  for (let tries = 0; tries < MAX_GUEST_DOMID; tries++) {
    if (candidate > MAX_GUEST_DOMID) candidate = 1;
    if (!taken.has(candidate)) break;
    candidate++;
  }
  record.nextDomid = candidate + 1;
  return candidate;
}

/** Memory libxl needs for a guest: its target plus 1 MiB (PV) or 2 MiB (PVH/HVM). */
export function neededMiB(config: DomainConfig): number {
  return config.memoryMiB + (config.type === "pv" ? 1 : 2);
}

export type InsertOutcome =
  | { readonly kind: "created"; readonly domain: DomainRecord }
  | { readonly kind: "name-clash"; readonly domid: number }
  | { readonly kind: "no-memory"; readonly domid: number };

/** The hypervisor part of a domain build: a domid, then the name, then memory; paused. */
export function insertDomain(record: HostRecord, config: DomainConfig, now: number, reuseMs: number): InsertOutcome {
  const domid = allocateDomid(record, now, reuseMs);
  if (findByName(record, config.name)) return { kind: "name-clash", domid };
  if (freeMemoryMiB(record) < neededMiB(config)) {
    record.freedDomids.push({ domid, at: now });
    return { kind: "no-memory", domid };
  }
  const domain: DomainRecord = {
    domid,
    name: config.name,
    uuid: config.uuid,
    type: config.type,
    config,
    memoryMiB: config.memoryMiB,
    targetMiB: config.memoryMiB,
    balloonSince: null,
    maxMemoryMiB: config.maxMemoryMiB,
    vcpus: config.vcpus,
    pauseCount: 1,
    shutdownReason: null,
    dying: false,
    zombieUntil: null,
    control: "",
    acpiEvent: null,
    booted: false,
    createdAt: now,
    bootStartedAt: null,
    cpuSeconds: 0,
    runningSince: null,
    guestPid: null,
    servicePort: null,
    monitorPid: null,
    crashAt: null,
  };
  record.domains.push(domain);
  return { kind: "created", domain };
}

/**
 * libxl_domain_rename: refuses a name another domain has (how concurrent
 * migrations are arbitrated) and a domain whose name is no longer `from`.
 */
export function renameDomain(record: HostRecord, domid: number, from: string, to: string): "renamed" | "name-taken" | "missing" {
  const domain = record.domains.find((d) => d.domid === domid);
  if (!domain || domain.name !== from) return "missing";
  if (findByName(record, to)) return "name-taken";
  domain.name = to;
  return "renamed";
}

/** Pauses a domain: its guest process is stopped, so it cannot ack or answer. */
export function pauseDomain(record: HostRecord, domain: DomainRecord, counted: boolean, now: number): void {
  stopClock(record, domain, now);
  domain.pauseCount = counted ? domain.pauseCount + 1 : 1;
  signalPid(domain.guestPid, "SIGSTOP");
}

/** Releases one pause; false when there was none to release (the hypervisor's EINVAL). */
export function unpauseDomain(record: HostRecord, domain: DomainRecord, counted: boolean, now: number): boolean {
  if (domain.pauseCount === 0) return !counted;
  domain.pauseCount = counted ? domain.pauseCount - 1 : 0;
  if (domain.pauseCount === 0) {
    signalPid(domain.guestPid, "SIGCONT");
    if (isRunnable(domain)) {
      domain.runningSince = now;
      domain.bootStartedAt ??= now;
    }
    wakeLater(domain.guestPid);
  }
  return true;
}

/** The domain stops running with a reason (guest shutdown, crash, reset); its monitor is told. */
export function markShutdown(record: HostRecord, domain: DomainRecord, reason: ShutdownReason, now: number): void {
  if (domain.shutdownReason !== null || domain.dying) return;
  stopClock(record, domain, now);
  domain.shutdownReason = reason;
  wakeLater(domain.monitorPid);
  wakeLater(domain.guestPid);
}

/** Destroy, first step: the domain is paused for good and its guest process killed. */
export function stopDomain(record: HostRecord, domain: DomainRecord, now: number): void {
  stopClock(record, domain, now);
  domain.pauseCount = Math.max(domain.pauseCount, 1);
  signalPid(domain.guestPid, "SIGKILL");
  domain.guestPid = null;
}

/** Destroy, second step: the xenstore subtree (name, control node) and the stored config go. */
export function removeFromXenstore(record: HostRecord, domain: DomainRecord): void {
  domain.name = null;
  domain.config = null;
  domain.control = null;
  domain.dying = true;
  wakeLater(domain.monitorPid);
}

/** Destroy, last step: the hypercall has relinquished memory; the domain is gone, or a zombie for a while. */
export function finishDestroy(record: HostRecord, domid: number, zombieMs: number | "never", now: number): void {
  const domain = record.domains.find((d) => d.domid === domid);
  if (!domain) return;
  domain.dying = true;
  if (zombieMs === 0) {
    record.domains = record.domains.filter((d) => d !== domain);
    record.freedDomids.push({ domid, at: now, shutdownReason: domain.shutdownReason });
  } else {
    domain.zombieUntil = zombieMs === "never" ? "never" : now + zombieMs;
  }
}

/** Balloons Domain-0 down so that `neededMiB` is free; false if its floor does not allow it. */
export function shrinkDom0(record: HostRecord, needed: number): boolean {
  const missing = needed - freeMemoryMiB(record);
  if (missing <= 0) return true;
  if (record.dom0MemoryMiB - missing < record.knobs.dom0MinMiB) return false;
  record.dom0MemoryMiB -= missing;
  return true;
}

export { overheadMiB };
