import { genericError, OcfExit, type OcfExitCode } from "../../lib/ocf/exit-code.ts";
import { toMs } from "../../lib/ocf/define-agent.ts";
import type { DomainSettings } from "../../lib/toolstack/domain-settings.ts";
import type { ShutdownMode } from "../../lib/toolstack/toolstack.ts";
import { ADVERTISED_TIMEOUTS, meanwhile, POLL_MS, type XenContext } from "./deps.ts";
import { readDomainConfig, resolveResource, settingsIfReadable } from "./domain-config.ts";
import { leaseGuard } from "./never-twice/lease-guard.ts";
import { comingBack, describe, observe, observeSettled, type Observation } from "./observe.ts";
import { leavingUntil, readRecord, recordPath, seenRunning, updateRecord } from "./record.ts";
import { domainNameProblem } from "../../lib/toolstack/domain-name.ts";
import { confirmGone } from "./confirm-gone.ts";
import { findLeftovers, observeHere } from "./migrate/leftovers.ts";
import { readRestartLogs } from "./restart-evidence.ts";
import { saveOnStop } from "./save-image.ts";

type Present = Exclude<Observation, { kind: "absent" }>;

/** Reading the config only for the name whose lease to release: a stop without Xen does not wait long for it. */
const NO_XEN_CONFIG_READ_MS = 2_000;

/**
 * When the graceful part of stop ends, in ms since the action began:
 * shutdown_timeout, else two thirds of the stop timeout (as
 * ocf:heartbeat:Xen), always leaving a sixth of the timeout (at least 2 s)
 * before the deadline for destroy. 0 with force_stop or shutdown_timeout=0.
 */
function gracefulEndMs(ctx: XenContext): number {
  if (ctx.params.force_stop || ctx.params.shutdown_timeout === 0) return 0;
  const opTimeoutMs = ctx.ocf.timeoutMs ?? toMs(ADVERTISED_TIMEOUTS.stop);
  const latest = ctx.deadline.elapsedMs() + ctx.deadline.remainingMs() - Math.max(2_000, Math.round(opTimeoutMs / 6));
  if (ctx.params.shutdown_timeout === undefined) return Math.min(Math.round((opTimeoutMs * 2) / 3), latest);
  const wanted = ctx.params.shutdown_timeout * 1000;
  if (wanted > latest) {
    ctx.log.warn(`shutdown_timeout ${ctx.params.shutdown_timeout} s does not fit in the stop timeout of ${opTimeoutMs} ms; destroying after ${latest} ms`);
  }
  return Math.min(wanted, latest);
}

/**
 * Asks the guest to shut down, in the background: xl waits up to 60 s for
 * the guest's acknowledgement and exits 1 without it, yet the guest may still
 * go down, so the answer is logged and the domain's state decides.
 */
async function requestShutdown(ctx: XenContext, name: string, settings: DomainSettings | undefined, gracefulEnd: number): Promise<void> {
  const toolstack = ctx.deps.toolstack();
  const mode: ShutdownMode = ctx.params.shutdown_acpi ? "acpi-button" : settings?.type === "hvm" ? "pv-or-acpi" : "pv";
  const left = () => Math.max(0, gracefulEnd - ctx.deadline.elapsedMs());
  ctx.log.info(`asking domain ${name} to shut down (${mode}); destroying it if it is still there after ${left()} ms`);
  try {
    let answer = await toolstack.requestShutdown(name, mode, left());
    if (answer.kind === "no-pv-control") {
      ctx.log.info(`${answer.detail}: falling back to the ACPI power button`);
      answer = await toolstack.requestShutdown(name, "pv-or-acpi", left());
    }
    if (answer.kind === "unconfirmed") ctx.log.info(`shutdown request not confirmed, still watching: ${answer.detail}`);
  } catch (error) {
    ctx.log.warn(`shutdown request failed, still watching: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Graceful shutdown while the budget lasts, then destroy, polling the state
 * every POLL_MS until the name is gone. Only a running guest can act on a
 * request: a paused, crashed, suspended or shut-down domain is destroyed at
 * once, a dying one waited for. A domain that the toolstack was about
 * to restart (reboot, crash with restart) must stay gone for the reboot gap.
 * Throws when the deadline passes with the domain still there.
 */
async function bringDown(ctx: XenContext, first: Present, settings: DomainSettings | undefined): Promise<void> {
  const toolstack = ctx.deps.toolstack();
  const gracefulEnd = gracefulEndMs(ctx);
  let observation: Observation = first;
  let domid = first.domain.domid;
  let request: Promise<void> | undefined;
  let restartSeen = false;
  let destroys = 0;
  for (;;) {
    if (observation.kind === "absent") {
      if (restartSeen) observation = await observeSettled(ctx, first.name, settings, domid);
      if (observation.kind === "absent") break;
      continue;
    }
    domid = observation.domain.domid;
    restartSeen ||= observation.kind !== "running" && observation.kind !== "paused" && comingBack(observation, settings);
    if (ctx.deadline.expired()) {
      throw genericError(`${describe(observation)} after ${ctx.deadline.elapsedMs()} ms of stop; cannot get rid of it`);
    }
    if (observation.kind === "running" && ctx.deadline.elapsedMs() < gracefulEnd) {
      request ??= requestShutdown(ctx, first.name, settings, gracefulEnd);
      await ctx.deps.sleep(POLL_MS);
    } else if (observation.kind === "dying") {
      await ctx.deps.sleep(POLL_MS);
    } else {
      if (destroys === 0) ctx.log.warn(`${describe(observation)}: destroying it`);
      const answer = await toolstack.destroy(first.name); // synchronous: look again at once
      destroys += 1;
      if (answer.kind === "failed") {
        ctx.log.warn(`destroy did not succeed, retrying: ${answer.detail}`);
        await ctx.deps.sleep(POLL_MS);
      }
    }
    observation = await observe(toolstack, first.name);
  }
  await confirmGone(ctx, domid);
  await request;
}

export async function stop(ctx: XenContext): Promise<OcfExitCode> {
  const resource = await resolveResource(ctx, { config: "if-needed" });
  const { toolstack, name, recordFile } = resource;
  updateRecord(recordFile, leavingUntil("stop", ctx.deadline.remainingMs()), ctx.log);
  // the first look is asked while the config is read (doc/cost.md, "A failover's start and stop, step by step")
  let look: Promise<Awaited<ReturnType<typeof observeHere>>> | undefined = meanwhile(observeHere(toolstack, name));
  let runningDomid = readRecord(recordFile).runningDomid;
  // a domain this host saw running that the look finds gone needs the restart evidence: its logs are read
  // meanwhile too, and stand when their answer is a lasting one (observe.ts observeSettled)
  let logs = runningDomid === undefined ? undefined : meanwhile(readRestartLogs(ctx, name));
  // the type (HVM: shutdown -F at once) and the on_reboot/on_crash actions, when the config can tell them now
  const settings = resource.settings ?? (await settingsIfReadable(ctx, toolstack.name));

  // Each name the domain may have (the names of a migration, migrate-leftovers.ts) is looked up until none is found.
  for (;;) {
    const here = await (look ?? observeHere(toolstack, name));
    let target = await observeSettled(ctx, name, settings, runningDomid, here.observation, look && logs);
    look = logs = undefined;
    if (target.kind === "absent") target = (target === here.observation ? here.leftovers : await findLeftovers(toolstack, name))[0]?.observation ?? target;
    if (target.kind === "absent") break;
    if (target.kind === "running" && target.name === name && (await saveOnStop(ctx, name))) {
      runningDomid = undefined; // saved and destroyed: gone on purpose, not rebooting
      continue;
    }
    await bringDown(ctx, target, settings);
    runningDomid = undefined;
  }
  await leaveStopped(ctx, recordFile, name);
  ctx.log.info(`domain ${name} is stopped`, { ms: ctx.deadline.elapsedMs() });
  return OcfExit.Success;
}

/** What every successful stop leaves: no running domain in the record, this host's lease released. */
async function leaveStopped(ctx: XenContext, recordFile: string, name: string | undefined): Promise<void> {
  updateRecord(recordFile, seenRunning(undefined), ctx.log);
  if (name !== undefined) await leaseGuard(ctx, name).afterStop();
  else if (ctx.params.lease_dir !== undefined) ctx.log.warn("the domain's name is not known here, so its lease is not released; other hosts wait for its timeout");
}

/**
 * A stop on a host with positive evidence that no Xen runs here (evidence.ts):
 * success, leaving what a stop that saw the domain go leaves. The name comes
 * as stop finds it (domain-config.ts resolveResource), without the toolstack:
 * the name parameter, this host's record, else the config's name= (read
 * bounded; a config that cannot tell leaves the lease to its timeout).
 */
export async function stoppedWithoutXen(ctx: XenContext): Promise<OcfExitCode> {
  const recordFile = recordPath(ctx.deps.stateDir, ctx.ocf.instance);
  const recorded = readRecord(recordFile).runningName;
  let name = ctx.params.name ?? (recorded !== undefined && domainNameProblem(recorded) === undefined ? recorded : undefined);
  if (name === undefined && ctx.params.lease_dir !== undefined) {
    const config = await readDomainConfig(ctx, ctx.params.xmfile, "xl", NO_XEN_CONFIG_READ_MS);
    const fromFile = config.kind === "ok" ? config.settings.name : undefined;
    name = fromFile !== undefined && domainNameProblem(fromFile) === undefined ? fromFile : undefined;
  }
  await leaveStopped(ctx, recordFile, name);
  return OcfExit.Success;
}
