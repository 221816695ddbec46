import type { SimContext } from "../context.ts";
import { insertDomain, isRunnable, markShutdown, renameDomain, wakeLater, type InsertOutcome } from "../host/hypervisor.ts";
import { startGuest } from "../host/lifecycle.ts";
import type { DomainConfig, HostRecord } from "../host/model.ts";
import { signalPid, spawnDetached } from "../host/processes.ts";
import { findByDomid, freeMemoryMiB } from "../host/store.ts";
import { hasPvControl } from "../xl/power.ts";

/**
 * What a migration (or save/restore) does to the domains at either end,
 * shared by xl migrate, xl migrate-receive, xl save/restore and xm's
 * relocation: suspend and resume at the source, the paused copy growing at
 * the target, renames that carry the stored config's name along (as
 * libxl__domain_rename does).
 */
const POLL_MS = 2;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export type SuspendOutcome = "suspended" | "no-ack" | "not-suspended" | "gone";

/**
 * libxl's suspend for the stop-and-copy pass: the PV control node (the guest
 * acks, then suspends), or the hypervisor directly for an HVM guest without
 * PV drivers. Each wait is xl's 60 s (ackTimeoutMs); a request the guest did
 * not ack is cancelled. The guest's monitor exits when it sees the suspend.
 */
export async function suspendGuest(ctx: SimContext, domid: number): Promise<SuspendOutcome> {
  const requested = ctx.update((record): SuspendOutcome | "requested" => {
    const domain = findByDomid(record, domid);
    if (!domain || domain.dying || domain.name === null) return "gone";
    if (domain.shutdownReason === "suspend") return "suspended";
    if (domain.shutdownReason !== null) return "not-suspended";
    if (!hasPvControl(record, domain)) {
      markShutdown(record, domain, "suspend", Date.now());
      return "suspended";
    }
    domain.control = "suspend";
    wakeLater(domain.guestPid);
    return "requested";
  });
  if (requested !== "requested") return requested;
  const ackBy = Date.now() + ctx.clock.ms("ackTimeoutMs");
  for (;;) {
    const domain = findByDomid(ctx.read(), domid);
    if (!domain || domain.name === null) return "gone";
    if (domain.control !== "suspend") break;
    if (Date.now() > ackBy) {
      ctx.update((record) => {
        const pending = findByDomid(record, domid);
        if (pending?.control === "suspend") pending.control = "";
      });
      return "no-ack";
    }
    await pause(POLL_MS);
  }
  const suspendBy = Date.now() + ctx.clock.ms("ackTimeoutMs");
  for (;;) {
    const domain = findByDomid(ctx.read(), domid);
    if (!domain || domain.name === null) return "gone";
    if (domain.shutdownReason === "suspend") return "suspended";
    if (domain.shutdownReason !== null || Date.now() > suspendBy) return "not-suspended";
    await pause(POLL_MS);
  }
}

/**
 * libxl_domain_resume with suspend_cancel: the suspended guest runs on. Its
 * monitoring daemon exited at the suspend (doc/xl-behaviour.md §7.7), so it stays
 * unmonitored; one that has not noticed yet is taken for gone all the same.
 */
export function resumeGuest(ctx: SimContext, domid: number): boolean {
  return ctx.update((record) => {
    const domain = findByDomid(record, domid);
    if (!domain || domain.dying || domain.shutdownReason !== "suspend") return false;
    domain.shutdownReason = null;
    domain.control = "";
    if (isRunnable(domain)) domain.runningSince = Date.now();
    signalPid(domain.monitorPid, "SIGKILL");
    domain.monitorPid = null;
    wakeLater(domain.guestPid);
    return true;
  });
}

/** libxl__domain_rename: the xenstore name and the stored config's name change together. */
export function renameWithConfig(record: HostRecord, domid: number, from: string, to: string): ReturnType<typeof renameDomain> {
  const outcome = renameDomain(record, domid, from, to);
  const domain = findByDomid(record, domid);
  if (outcome === "renamed" && domain?.config) domain.config = { ...domain.config, name: to };
  return outcome;
}

/** `xl rename` / `xm rename`: whatever the domain is called now becomes `to`. */
export function renameLive(ctx: SimContext, domid: number, to: string): ReturnType<typeof renameDomain> {
  return ctx.update((record) => {
    const current = findByDomid(record, domid)?.name;
    return current ? renameWithConfig(record, domid, current, to) : "missing";
  });
}

/**
 * The receiving end's domain: built paused under `config.name`, its memory
 * growing from 0 as pages arrive, its guest already booted (it is a running
 * OS in transit). The guest process starts now and is stopped while paused;
 * it takes the service port once it runs (service-ports.ts).
 */
export async function createArriving(ctx: SimContext, config: DomainConfig): Promise<InsertOutcome> {
  const now = Date.now();
  const inserted = ctx.update((record) => {
    const outcome = insertDomain(record, config, now, ctx.clock.ms("domidReuseMs"));
    if (outcome.kind === "created") {
      outcome.domain.memoryMiB = 0;
      outcome.domain.booted = true;
      outcome.domain.bootStartedAt = now;
    }
    return outcome;
  });
  if (inserted.kind !== "created") return inserted;
  const { domid } = inserted.domain;
  await startGuest(ctx, domid, config.uuid);
  return inserted;
}

/** Pages have arrived: the copy's memory grows, if the host still has it free. */
export function growArriving(ctx: SimContext, domid: number, memoryMiB: number): "ok" | "no-memory" | "gone" {
  return ctx.update((record) => {
    const domain = findByDomid(record, domid);
    if (!domain || domain.name === null) return "gone";
    const growth = Math.max(0, Math.min(memoryMiB, domain.targetMiB) - domain.memoryMiB);
    if (growth > freeMemoryMiB(record)) return "no-memory";
    domain.memoryMiB += growth;
    return "ok";
  });
}
