import type { DomainRow, DomainState, Toolstack } from "../../lib/toolstack/toolstack.ts";
import type { DomainSettings } from "../../lib/toolstack/domain-settings.ts";
import { genericError } from "../../lib/ocf/exit-code.ts";
import { POLL_MS, timeForAnotherLook, type XenContext } from "./deps.ts";
import { restartEvidence, type RestartLogs } from "./restart-evidence.ts";

/** What the state letters say about a domain, most serious first (doc/xl-behaviour.md §1.3, §7.5). */
export type Condition = "dying" | "crashed" | "suspended" | "rebooting" | "shut-down" | "paused" | "running";

export type Observation =
  | { readonly kind: "absent"; readonly name: string }
  | { readonly kind: Condition; readonly name: string; readonly domain: DomainRow };

export function conditionOf(state: DomainState): Condition {
  if (state.dying) return "dying";
  if (state.crashed) return "crashed";
  if (state.shutdown && state.shutdownReason === "suspend") return "suspended";
  if (state.shutdown && state.shutdownReason === "reboot") return "rebooting";
  if (state.shutdown) return "shut-down";
  if (state.paused) return "paused";
  return "running"; // r, b, or ------ (runnable, waiting for a CPU)
}

const WHY: Readonly<Record<Condition, string>> = {
  dying: "dying (being destroyed)",
  crashed: "crashed",
  suspended: "suspended (a save or migration is in progress)",
  rebooting: "rebooting (shut down for reboot, not yet restarted)",
  "shut-down": "shut down but not destroyed",
  paused: "paused",
  running: "running",
};

/** A sentence for logs and exit reasons: what was seen, exactly. */
export function describe(observation: Observation): string {
  if (observation.kind === "absent") return `domain ${observation.name} does not exist`;
  const { domid, state } = observation.domain;
  return `domain ${observation.name} (id ${domid}) is ${WHY[observation.kind]}, state ${state.letters}`;
}

export async function observe(toolstack: Toolstack, name: string): Promise<Observation> {
  const found = await toolstack.lookup(name);
  return found.present ? { kind: conditionOf(found.domain.state), name, domain: found.domain } : { kind: "absent", name };
}

/**
 * Would the toolstack itself bring this domain back shortly (its on_reboot/on_crash
 * restarts it)? A paused domain counts only when it is not the one last seen
 * running (`runningDomid`): a re-created domain is paused while it is built.
 */
export function comingBack(observation: Observation, settings: DomainSettings | undefined, runningDomid?: number): boolean {
  const restartsOn = (action: string | undefined) => (action ?? "restart").includes("restart");
  switch (observation.kind) {
    case "absent":
    case "rebooting":
      return restartsOn(settings?.onReboot) || restartsOn(settings?.onCrash);
    case "crashed":
      return restartsOn(settings?.onCrash);
    case "shut-down":
      return (settings?.onPoweroff ?? "destroy").includes("restart");
    case "paused":
      return observation.domain.domid !== runningDomid;
    default:
      return false;
  }
}

/**
 * The evidence is read after the look: a domain seen paused while xl built
 * it anew may be unpaused by the time the log says the restart is over.
 * One more look tells that from a domain someone paused since.
 */
async function lookAgainIfPaused(toolstack: Toolstack, name: string, observation: Observation): Promise<Observation> {
  return observation.kind === "paused" ? observe(toolstack, name) : observation;
}

/**
 * The reboot gap guard. When this host saw the domain running at its last
 * check and now finds it missing, shut down, or paused under a new domid,
 * the toolstack may be re-creating it (xl: destroy, sleep(2), create paused,
 * unpause). Reporting "stopped" inside that gap invites a second copy
 * elsewhere (resource-agents commit 43c5b1237), but so does waiting on a
 * hunch: the answer rests on evidence (restart-evidence.ts). Without
 * evidence of a restart the first look stands at once. With it, the domain
 * is looked at every POLL_MS, the evidence re-read each time (a re-create
 * can fail), until it is back or the evidence ends; a restart still under
 * way when the op's deadline comes is an error, never "not running".
 * An unknown config counts as "restarts" (xl's default on_reboot).
 * `first`, when given, is the first look, already taken; `logsWithFirst`,
 * the toolstack's logs read while it was taken. Read before the look's
 * answer, they may miss what happened between the read and the look (a
 * shutdown logged, then the domain destroyed for its restart), so only a
 * lasting "no" (restart-evidence.ts) is taken from them; any other answer
 * is read again, after the look, as without them.
 */
export async function observeSettled(
  ctx: XenContext,
  name: string,
  settings: DomainSettings | undefined,
  runningDomid: number | undefined,
  first?: Observation,
  logsWithFirst?: Promise<RestartLogs>,
): Promise<Observation> {
  const toolstack = ctx.deps.toolstack();
  let observation = first ?? (await observe(toolstack, name));
  if (runningDomid === undefined || !comingBack(observation, settings, runningDomid)) return observation;
  const early = logsWithFirst && (await restartEvidence(ctx, name, observation, settings, runningDomid, logsWithFirst));
  let evidence = early && !early.restarting && early.lasting ? early : await restartEvidence(ctx, name, observation, settings, runningDomid);
  if (!evidence.restarting) {
    ctx.log.warn(`${describe(observation)}; it was running, and no restart is under way: ${evidence.why}`);
    return lookAgainIfPaused(toolstack, name, observation);
  }
  const started = ctx.deadline.elapsedMs();
  ctx.log.info(`${describe(observation)}; ${evidence.why}: waiting for it to come back`);
  for (;;) {
    // one look: the toolstack, then the log's two children
    if (!timeForAnotherLook(ctx, 2)) {
      throw genericError(`${describe(observation)}; ${evidence.why}, and it was not back ${ctx.deadline.elapsedMs() - started} ms later, when the deadline came`);
    }
    await ctx.deps.sleep(POLL_MS);
    observation = await observe(toolstack, name);
    if (!comingBack(observation, settings, runningDomid)) break;
    evidence = await restartEvidence(ctx, name, observation, settings, runningDomid);
    if (!evidence.restarting) {
      ctx.log.info(`the restart ended: ${evidence.why}`);
      observation = await lookAgainIfPaused(toolstack, name, observation);
      break;
    }
  }
  ctx.log.info(`after ${ctx.deadline.elapsedMs() - started} ms: ${describe(observation)}`);
  return observation;
}
