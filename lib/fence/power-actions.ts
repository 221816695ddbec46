import type { Deadline } from "../ocf/deadline.ts";
import type { Logger } from "../ocf/logger.ts";
import { genericError, OcfError } from "../ocf/exit-code.ts";
import type { FenceAction } from "./fence-params.ts";

/**
 * The fence protocol's power state machine (fence-agents fencing.py
 * `fence_action`), written once for every device: status exits 2 when off,
 * off and on are verified by polling status, "already off" is success, and
 * reboot succeeds when its off half did, whatever becomes of the on half.
 *
 * A plug the device does not know ("missing") is not "off": status, off and
 * reboot fail on it unless missing_as_off is set (fence-agents' convention,
 * e.g. fence_virsh), so a mistyped plug never reads as a fenced node. Only
 * after this action's own power-off does "missing" count as off (a destroyed
 * Xen domain leaves no trace), and `on` starts from it.
 */
export type PowerState = "on" | "off";
export type PlugState = PowerState | "missing";

export interface PlugStatus {
  readonly plug: string;
  readonly alias: string;
  readonly state: PowerState | "unknown";
}

/** What a device must do; each method throws an OcfError when it cannot. */
export interface PowerDevice {
  /** "off" only when the device positively says so, "missing" when it answered and knows no such plug; otherwise throw. */
  status(plug: string): Promise<PlugState>;
  /** For the failure on a missing plug: what the device does know (the plugs it lists), to catch a typo. */
  describeMissing?(plug: string): string;
  powerOff(plug: string): Promise<void>;
  powerOn(plug: string): Promise<void>;
  list(): Promise<readonly PlugStatus[]>;
  /** Is the device itself reachable and answering? */
  monitor(): Promise<void>;
  /** Before off looks at the plug: announce the fence (a record others must respect). */
  beforeOff?(plug: string): Promise<void>;
  /** Once off is proven (also when it was already off). */
  afterOff?(plug: string): Promise<void>;
}

export interface PowerTiming {
  readonly delayMs: number;
  readonly powerTimeoutMs: number;
  readonly powerWaitMs: number;
  readonly retryOn: number;
  readonly missingAsOff: boolean;
  readonly separator: string;
  readonly deadline: Deadline;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: Logger;
}

/** Exit codes of the fence protocol: 2 is "status: off", never a failure. */
export const FenceExit = { Ok: 0, Failed: 1, Off: 2 } as const;
export type FenceExitCode = (typeof FenceExit)[keyof typeof FenceExit];

export interface PowerOutcome {
  readonly code: FenceExitCode;
  /** What goes to stdout, fence-agents' wording ("Success: Powered OFF", "Status: ON"). */
  readonly lines: readonly string[];
}

const done = (code: FenceExitCode, ...lines: string[]): PowerOutcome => ({ code, lines });

/** The first look at a plug: a missing plug is off only with missing_as_off, otherwise the action fails. */
async function firstLook(plug: string, device: PowerDevice, timing: PowerTiming): Promise<PowerState> {
  const state = await device.status(plug);
  if (state !== "missing") return state;
  if (timing.missingAsOff) {
    timing.log.info(`${plug} is not known to the device; missing_as_off is set, so it counts as off`);
    return "off";
  }
  const known = device.describeMissing?.(plug);
  throw genericError(`${plug} is not known to the device${known ? ` (${known})` : ""}; check the plug, or set missing_as_off if a missing plug is off`);
}

/** After our own off, a plug gone from the device is off; before our own on, it is not on yet. */
const settled = (state: PlugState): PowerState => (state === "missing" ? "off" : state);

/** Polls status until it reads `target`; sub-second at first, then once a second. */
async function waitFor(target: PowerState, plug: string, device: PowerDevice, timing: PowerTiming): Promise<void> {
  const limit = Math.min(timing.powerTimeoutMs, timing.deadline.remainingMs());
  const started = timing.deadline.elapsedMs();
  let pause = 100;
  let lastProblem = "";
  for (;;) {
    try {
      if (settled(await device.status(plug)) === target) return;
      lastProblem = `${plug} is still ${target === "off" ? "on" : "off"}`;
    } catch (error) {
      if (!(error instanceof OcfError)) throw error;
      lastProblem = error.message; // an unanswered check proves nothing: keep asking until the time is up
    }
    const elapsed = timing.deadline.elapsedMs() - started;
    if (elapsed + pause > limit) break;
    await timing.sleep(pause);
    pause = Math.min(1_000, pause * 2);
  }
  throw genericError(`Timed out waiting to power ${target.toUpperCase()} after ${Math.round(limit / 1000)} s: ${lastProblem}`);
}

async function turnOff(plug: string, device: PowerDevice, timing: PowerTiming): Promise<"already" | "done"> {
  await device.beforeOff?.(plug);
  if ((await firstLook(plug, device, timing)) === "off") {
    await device.afterOff?.(plug);
    return "already";
  }
  await device.powerOff(plug);
  if (timing.powerWaitMs > 0) await timing.sleep(timing.powerWaitMs);
  await waitFor("off", plug, device, timing);
  await device.afterOff?.(plug);
  return "done";
}

async function turnOn(plug: string, device: PowerDevice, timing: PowerTiming, attempts: number): Promise<void> {
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await device.powerOn(plug);
      if (timing.powerWaitMs > 0) await timing.sleep(timing.powerWaitMs);
      await waitFor("on", plug, device, timing);
      return;
    } catch (error) {
      last = error;
      timing.log.warn(`power on attempt ${attempt} of ${attempts} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw last;
}

const listLines = (plugs: readonly PlugStatus[], sep: string, withState: boolean): string[] =>
  plugs.map((p) => [p.plug, p.alias, ...(withState ? [p.state.toUpperCase()] : [])].join(sep));

/** Runs one protocol action against a device. `plug` is checked by the caller for actions that need it. */
export async function runPowerAction(
  action: Exclude<FenceAction, "metadata" | "validate-all">,
  plug: string,
  device: PowerDevice,
  timing: PowerTiming,
): Promise<PowerOutcome> {
  switch (action) {
    case "monitor":
      await device.monitor();
      return done(FenceExit.Ok);
    case "list":
    case "list-status":
      return done(FenceExit.Ok, ...listLines(await device.list(), timing.separator, action === "list-status"));
    case "status": {
      const state = await firstLook(plug, device, timing);
      return done(state === "off" ? FenceExit.Off : FenceExit.Ok, `Status: ${state.toUpperCase()}`);
    }
    case "on": {
      // A missing plug is where `on` starts from: the device's power-on refuses a plug it cannot create.
      if ((await device.status(plug)) === "on") return done(FenceExit.Ok, "Success: Already ON");
      await turnOn(plug, device, timing, 1 + timing.retryOn);
      return done(FenceExit.Ok, "Success: Powered ON");
    }
    case "off":
    case "reboot": {
      if (timing.delayMs > 0) {
        timing.log.info(`Delay ${timing.delayMs / 1000} second(s) before fencing ${plug}`);
        await timing.sleep(timing.delayMs);
      }
      const off = await turnOff(plug, device, timing);
      if (action === "off") return done(FenceExit.Ok, off === "already" ? "Success: Already OFF" : "Success: Powered OFF");
      try {
        await turnOn(plug, device, timing, Math.max(1, timing.retryOn));
      } catch (error) {
        // The node is fenced: a domain that does not come back is the cluster's business, not a failed fence.
        timing.log.error(`Timed out waiting to power ON: ${error instanceof Error ? error.message : String(error)}`);
      }
      return done(FenceExit.Ok, "Success: Rebooted");
    }
  }
}
