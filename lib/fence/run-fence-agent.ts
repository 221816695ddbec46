import type { Deadline } from "../ocf/deadline.ts";
import type { OcfError } from "../ocf/exit-code.ts";
import type { Logger } from "../ocf/logger.ts";
import type { ProcessIo } from "../protocol/process-io.ts";
import { runLoop } from "../protocol/run-loop.ts";
import { decodeValues, type Params, type ParamValues } from "../ocf/params.ts";
import { readFenceInput } from "./fence-input.ts";
import { renderFenceMetadata, renderFenceUsage, type FenceAgentDocs } from "./fence-metadata.ts";
import { FENCE_ACTIONS, PLUG_ACTIONS, type FenceAction, type FenceProtocolParams } from "./fence-params.ts";
import { FenceExit, runPowerAction, type FenceExitCode, type PowerDevice } from "./power-actions.ts";

export interface DeviceInput<P extends Params> {
  readonly values: ParamValues<P>;
  readonly log: Logger;
  readonly deadline: Deadline;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The action the device is made for (a device may wait longer for an off than for a status). */
  readonly action: Exclude<FenceAction, "metadata" | "validate-all">;
}

export interface FenceAgentDefinition<P extends FenceProtocolParams & Params> extends FenceAgentDocs {
  readonly params: P;
  /** Problems that span several parameters; checked before every action, and all that validate-all does. */
  readonly validate: (values: ParamValues<P>) => readonly string[];
  /** The longest one action may take, in ms. Pacemaker's pcmk_*_timeout must exceed it; validate-all says so. */
  readonly budgetMs: (values: ParamValues<P>) => number;
  readonly device: (input: DeviceInput<P>) => PowerDevice;
  readonly sleep: (ms: number) => Promise<void>;
}

const isFenceAction = (word: string): word is FenceAction => (FENCE_ACTIONS as readonly string[]).includes(word);

/** fencing.py's action spellings: case-insensitive (nothing trimmed), OCF's meta-data accepted. */
const normaliseAction = (word: string): string => {
  const lower = word.toLowerCase();
  return lower === "meta-data" ? "metadata" : lower;
};

/** The one place where fence input, actions, output and exit codes meet. */
export function runFenceAgent<P extends FenceProtocolParams & Params>(
  agent: FenceAgentDefinition<P>,
  io: ProcessIo,
): Promise<FenceExitCode> {
  // fencing.py's way: every failure is logged at error level as "Failed: <reason>" (stderr and syslog), exit 1.
  const failWith = (log: Logger, reasons: readonly string[]): FenceExitCode => {
    for (const reason of reasons) log.error(`Failed: ${reason}`);
    return FenceExit.Failed;
  };
  const protocol = { log: { tag: agent.name }, fail: (error: OcfError, log: Logger) => failWith(log, [error.message]) };
  return runLoop(io, protocol, async (scope) => {
    const fail = (reasons: readonly string[]) => failWith(scope.log, reasons);
    if (io.argv.includes("-h") || io.argv.includes("--help")) {
      io.stdout(renderFenceUsage(agent));
      return FenceExit.Ok;
    }
    const input = await readFenceInput(io.argv, io.stdin, agent.params, agent.letters);
    if (input.problems.length > 0) return fail([...input.problems, "use -h for usage"]);
    const action = normaliseAction(input.values.get("action") ?? agent.params.action.default ?? "reboot");
    // Pacemaker maps "unrecognised action" in stderr to "operation not supported".
    if (!isFenceAction(action)) return fail([`Unrecognised action '${action}'`]);
    if (action === "metadata") {
      io.stdout(renderFenceMetadata(agent));
      return FenceExit.Ok;
    }

    const decoded = decodeValues(agent.params, (name) => input.values.get(name));
    if (!decoded.ok) return fail(decoded.problems);
    const values = decoded.values;
    // The protocol's own options, read with their declared types: P extends FenceProtocolParams.
    const common = values as ParamValues<FenceProtocolParams>;
    const log = scope.openLog({
      tag: agent.name,
      env: { ...io.env, HA_debug: common.verbose ? "1" : io.env["HA_debug"], HA_DEBUGLOG: common.debug_file ?? io.env["HA_DEBUGLOG"] },
    });
    for (const key of input.ignored) log.warn(`ignoring unknown option '${key}'`);

    const problems = agent.validate(values);
    if (problems.length > 0) return fail(problems);
    const budgetMs = agent.budgetMs(values);
    if (action === "validate-all") {
      log.info(`options are valid; one action may take up to ${Math.ceil(budgetMs / 1000)} s: keep pcmk_off_timeout, pcmk_reboot_timeout and stonith-timeout above that`);
      return FenceExit.Ok;
    }
    const plug = common.plug ?? "";
    if (PLUG_ACTIONS.has(action) && plug === "") return fail([`action '${action}' needs a plug (the domain's name or UUID)`]);

    const deadline = scope.deadline(budgetMs);
    const device = agent.device({ values, log, deadline, env: io.env, action });
    const outcome = await runPowerAction(action, plug, device, {
      delayMs: common.delay * 1000,
      powerTimeoutMs: common.power_timeout * 1000,
      powerWaitMs: common.power_wait * 1000,
      retryOn: common.retry_on,
      missingAsOff: common.missing_as_off,
      separator: common.separator,
      deadline,
      sleep: agent.sleep,
      log,
    });
    if (outcome.lines.length > 0) io.stdout(`${outcome.lines.join("\n")}\n`);
    log.debug(`${action} finished`, { rc: outcome.code, ms: deadline.elapsedMs() });
    return outcome.code;
  });
}
