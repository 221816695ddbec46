import { genericError, OcfExit, type OcfExitCode } from "../../lib/ocf/exit-code.ts";
import type { DomainSettings } from "../../lib/toolstack/domain-settings.ts";
import { meanwhile, POLL_MS, timeForAnotherLook, type XenContext } from "./deps.ts";
import { leaseGuard } from "./never-twice/lease-guard.ts";
import { ensureMemory } from "./memory.ts";
import { scriptsFailure } from "./monitor-scripts.ts";
import { comingBack, describe, observe, observeSettled, type Observation } from "./observe.ts";
import { describeLeftovers, findLeftovers, observeHere } from "./migrate/leftovers.ts";
import { readRecord, seenRunning, updateRecord } from "./record.ts";
import { restartEvidence } from "./restart-evidence.ts";
import { restoreOnStart } from "./save-image.ts";
import { checkResource } from "./validate.ts";

/** Leftovers are waited for, at most this long, before start gives up. */
const DYING_WAIT_CAP_MS = 15_000;

/** Polls until the domain is gone (or the wait budget ends); returns the last observation. */
async function waitUntilGone(ctx: XenContext, name: string, budgetMs: number): Promise<Observation> {
  const started = ctx.deadline.elapsedMs();
  let observation = await observe(ctx.deps.toolstack(), name);
  while (observation.kind !== "absent" && ctx.deadline.elapsedMs() - started < budgetMs && timeForAnotherLook(ctx)) {
    await ctx.deps.sleep(POLL_MS);
    observation = await observe(ctx.deps.toolstack(), name);
  }
  return observation;
}

/**
 * What is already there under our name decides whether to create:
 * running or rebooting domains are waited for (no second create), a paused
 * one is answered by pausedAnswer;
 * a preserved crashed or shut-down domain is destroyed first; a dying one
 * is waited for; a suspended one (save or migration) is never touched.
 */
async function clearLeftovers(ctx: XenContext, observation: Observation): Promise<Observation> {
  const budget = Math.min(DYING_WAIT_CAP_MS, ctx.deadline.remainingMs() / 2);
  switch (observation.kind) {
    case "crashed":
    case "shut-down": {
      ctx.log.warn(`${describe(observation)}: destroying the leftover before starting`);
      const answer = await ctx.deps.toolstack().destroy(observation.name);
      if (answer.kind === "failed") throw genericError(`cannot destroy the leftover: ${answer.detail}`);
      return waitUntilGone(ctx, observation.name, budget);
    }
    case "dying":
      ctx.log.info(`${describe(observation)}: waiting for it to go`);
      return waitUntilGone(ctx, observation.name, budget);
    case "suspended":
      throw genericError(`${describe(observation)}; not starting another copy`);
    default:
      return observation;
  }
}

/**
 * A paused domain is not unpaused by start: whoever paused it (xl pause, a
 * save that went wrong) did so on purpose. One the toolstack is re-creating
 * (paused while it is built, under a new domid) was already waited for by
 * observeSettled, on the evidence of the restart (restart-evidence.ts); a
 * paused domain without that evidence gets its answer at once, with the way
 * out, instead of a wait on a hunch. Returns the domain when it is not paused.
 */
function pausedAnswer(found: Observation): Observation {
  if (found.kind === "paused") {
    throw genericError(`${describe(found)}; start does not unpause it ('xl unpause ${found.name}' resumes it, a stop removes it)`);
  }
  return found;
}

/**
 * Start returns only when the domain runs and every monitor script passes,
 * polling every POLL_MS within the op's deadline. A guest that crashes, shuts
 * down or vanishes while booting fails the start with what was seen, at
 * once, unless the toolstack's traces say it is restarting the domain seen
 * (restart-evidence.ts): then it is looked at again, the evidence re-read.
 */
async function waitUntilRunning(ctx: XenContext, name: string, settings: DomainSettings | undefined): Promise<number> {
  let problem = "";
  let seenDomid: number | undefined;
  for (;;) {
    const observation = await observe(ctx.deps.toolstack(), name);
    if (observation.kind !== "absent") seenDomid = observation.domain.domid;
    switch (observation.kind) {
      case "running":
        problem = (await scriptsFailure(ctx, name)) ?? "";
        if (problem === "") return observation.domain.domid;
        break;
      case "absent": {
        // gone after our create: only the toolstack's own traces of a restart make it worth another look
        const evidence = comingBack(observation, settings) ? await restartEvidence(ctx, name, observation, settings, seenDomid) : undefined;
        if (!evidence?.restarting) {
          throw genericError(`${describe(observation)} after create: it crashed or shut down while booting${evidence ? ` (${evidence.why})` : ""}`);
        }
        if (!problem.endsWith(evidence.why)) ctx.log.info(`${describe(observation)}; ${evidence.why}: waiting for it to come back`);
        problem = `${describe(observation)}; ${evidence.why}`;
        break;
      }
      case "paused":
      case "rebooting":
        problem = describe(observation);
        break;
      default:
        throw genericError(`${describe(observation)} while starting`);
    }
    // a look at an absent domain is the toolstack, then the log's two children
    if (!timeForAnotherLook(ctx, observation.kind === "absent" ? 2 : 1)) throw genericError(`domain ${name} did not come up in time: ${problem}`);
    await ctx.deps.sleep(POLL_MS);
  }
}

export async function start(ctx: XenContext): Promise<OcfExitCode> {
  // everything validate-all refuses is refused here, before anything is created
  const { toolstack, name, settings, recordFile } = await checkResource(ctx);
  const guard = leaseGuard(ctx, name);
  // the memory question, asked now and answered while the guard and the first look run; used only if
  // nothing changed before create (doc/cost.md, "A failover's start and stop, step by step")
  const earlyInfo = meanwhile(toolstack.hostInfo());
  await guard.beforeStart();

  const here = await observeHere(toolstack, name);
  const settled = await clearLeftovers(ctx, await observeSettled(ctx, name, settings, readRecord(recordFile).runningDomid, here.observation));
  const found = pausedAnswer(settled);
  if (found.kind === "absent") {
    const untouched = found === here.observation;
    const leftovers = untouched ? here.leftovers : await findLeftovers(toolstack, name);
    if (leftovers.length > 0) throw genericError(`not starting another copy of ${name}: ${describeLeftovers(leftovers)}; a stop here removes it`);
    // a leftover destroyed or a restart waited for since then has changed the host's free memory: ask again
    await ensureMemory(ctx, toolstack, name, settings, untouched ? earlyInfo : undefined);
    if (!(await restoreOnStart(ctx, name))) {
      ctx.log.info(`creating domain ${name} from ${ctx.params.xmfile}`);
      await toolstack.create(ctx.params.xmfile, name);
    }
  } else if (found.kind === "running" || found.kind === "rebooting") {
    ctx.log.info(`${describe(found)}: not creating it again`);
  } else {
    throw genericError(`${describe(found)}; it did not go away in time`);
  }
  const domid = await waitUntilRunning(ctx, name, settings);
  await guard.afterStart();
  updateRecord(recordFile, seenRunning({ domid, name }), ctx.log);
  ctx.log.info(`domain ${name} is running`, { ms: ctx.deadline.elapsedMs() });
  return OcfExit.Success;
}
