import { join } from "node:path";
import type { SimContext } from "../context.ts";
import { hostPaths } from "./paths.ts";
import { finishDestroy, insertDomain, isRunnable, pauseDomain, removeFromXenstore, stopDomain, unpauseDomain } from "./hypervisor.ts";
import { libxlLine } from "../xl/messages.ts";
import type { DomainConfig } from "./model.ts";
import { COMMAND_ENV, signalPid, spawnDetached } from "./processes.ts";
import { currentMemoryMiB, findByDomid } from "./store.ts";

/**
 * The timed parts of a domain's life, shared by xl, xm and the monitor:
 * building (create latency, paused), destroying (teardown, then memory
 * relinquish in proportion to memory, then maybe a zombie).
 */

export type BuildOutcome =
  | { readonly ok: true; readonly domid: number }
  | { readonly ok: false; readonly domid: number; readonly reason: "name-clash" | "no-memory" | "vanished"; readonly stderr: string };

/** Where guests and monitors write their stderr. */
export function daemonErrorLog(ctx: SimContext): string {
  return join(hostPaths(ctx.root, ctx.host).logDir, "sim-daemons.err");
}

/** Environment for the simulator's own child processes: the tool's env, the host it runs on, and the tool's command line. */
export function childEnv(ctx: SimContext): Record<string, string | undefined> {
  return { ...ctx.io.env, XEN_SIM_ROOT: ctx.root, XEN_SIM_HOST: ctx.host, [COMMAND_ENV]: JSON.stringify([ctx.persona.tool, ...ctx.io.argv]) };
}

function failureLines(reason: "name-clash" | "no-memory", domid: number, name: string): string {
  if (reason === "name-clash") {
    return (
      libxlLine("error", "libxl__domain_rename", domid, `Domain with name "${name}" already exists.`) +
      libxlLine("error", "initiate_domain_create", domid, "cannot make domain: -6")
    );
  }
  return (
    "xc: error: panic: xc_dom_boot.c:121: xc_dom_boot_mem_init: can't allocate low memory for domain: Out of memory\n" +
    libxlLine("error", "libxl__build_dom", domid, "xc_dom_boot_mem_init failed: Cannot allocate memory") +
    libxlLine("error", "domcreate_rebuild_done", domid, "cannot (re-)build domain: -3")
  );
}

/**
 * Starts the guest process of domain `domid` and records it (pid, service
 * port; stopped while the domain is paused). A domain that went away or was
 * replaced meanwhile gets no guest: the process is killed at once (false).
 */
export async function startGuest(ctx: SimContext, domid: number, uuid: string): Promise<boolean> {
  const guest = await spawnDetached("sim-guest", [ctx.root, ctx.host, String(domid), uuid], childEnv(ctx), daemonErrorLog(ctx));
  const recorded = ctx.update((record) => {
    const domain = findByDomid(record, domid);
    if (!domain || domain.uuid !== uuid || domain.name === null) return false;
    domain.guestPid = guest.pid;
    domain.servicePort = Number.parseInt(guest.firstLine, 10);
    if (domain.pauseCount > 0) signalPid(guest.pid, "SIGSTOP");
    return true;
  });
  if (!recorded) signalPid(guest.pid, "SIGKILL");
  return recorded;
}

/**
 * Builds a domain: domid, name, memory (failing as libxl does, a domid
 * consumed either way), a guest process, the create latency while paused,
 * then unpause unless `paused`. With `monitor`, the monitoring daemon is
 * started alongside (xl forks it after the build; starting the process early
 * only hides Node's start-up time, and it waits for the domain anyway).
 * Process start-up counts towards the create latency, not on top of it.
 */
export async function buildDomain(ctx: SimContext, config: DomainConfig, paused: boolean, monitor = false): Promise<BuildOutcome> {
  const started = Date.now();
  const inserted = ctx.update((record) => insertDomain(record, config, started, ctx.clock.ms("domidReuseMs")));
  if (inserted.kind !== "created") {
    return { ok: false, domid: inserted.domid, reason: inserted.kind, stderr: failureLines(inserted.kind, inserted.domid, config.name) };
  }
  const domid = inserted.domain.domid;
  const args = [ctx.root, ctx.host, String(domid), config.uuid];
  const monitorStarting = monitor ? spawnDetached("sim-monitor", args, childEnv(ctx), daemonErrorLog(ctx)) : undefined;
  const recorded = await startGuest(ctx, domid, config.uuid);
  const latency = ctx.clock.ms(config.type === "hvm" ? "createHvmMs" : "createPvMs");
  await ctx.clock.sleep(latency - (Date.now() - started));
  const daemon = await monitorStarting;
  const finished = ctx.update((record) => {
    const domain = findByDomid(record, domid);
    if (!recorded || !domain || domain.uuid !== config.uuid || domain.name === null) return false;
    if (!paused) unpauseDomain(record, domain, true, Date.now());
    return true;
  });
  if (!finished) {
    signalPid(daemon?.pid, "SIGKILL");
    const stderr = libxlLine("error", "domcreate_rebuild_done", domid, "cannot (re-)build domain: -3");
    return { ok: false, domid, reason: "vanished", stderr };
  }
  return { ok: true, domid };
}

export type DestroyOutcome = "destroyed" | "missing";

/**
 * libxl_domain_destroy: synchronous. The domain is paused and its devices torn
 * down, then its xenstore subtree (name, control node) and stored config go,
 * then the hypercall relinquishes memory (in proportion to it) while the
 * domain is dying; a zombie knob keeps it listed as `(null) ... d` after that.
 */
export async function destroyDomain(ctx: SimContext, domid: number): Promise<DestroyOutcome> {
  const started = ctx.update((record) => {
    const domain = findByDomid(record, domid);
    if (!domain) return undefined;
    if (domain.dying || domain.name === null) return { memoryMiB: 0, alreadyGoing: true };
    stopDomain(record, domain, Date.now());
    return { memoryMiB: currentMemoryMiB(record, domain, Date.now()), alreadyGoing: false };
  });
  if (started === undefined) return "missing";
  if (started.alreadyGoing) return "destroyed";
  await ctx.clock.sleep(ctx.clock.ms("destroyBaseMs"));
  ctx.update((record) => {
    const domain = findByDomid(record, domid);
    if (domain) removeFromXenstore(record, domain);
  });
  await ctx.clock.sleep(ctx.clock.scale((ctx.clock.timing.destroyPerGiBMs * started.memoryMiB) / 1024));
  ctx.update((record) => {
    const zombie = record.knobs.zombieMs;
    finishDestroy(record, domid, zombie === "never" ? "never" : ctx.clock.scale(zombie), Date.now());
  });
  return "destroyed";
}

export { isRunnable, pauseDomain, unpauseDomain };
