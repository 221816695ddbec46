import { createDeadline, type Deadline } from "../ocf/deadline.ts";
import { OcfError } from "../ocf/exit-code.ts";
import { createLogger, type Logger } from "../ocf/logger.ts";
import { decodeValues, type Params, type ParamValues } from "../ocf/params.ts";
import { readFenceInput } from "./fence-input.ts";
import { renderFenceMetadata, renderFenceUsage, type FenceAgentDocs } from "./fence-metadata.ts";
import { FENCE_ACTIONS, PLUG_ACTIONS, type FenceAction, type FenceProtocolParams } from "./fence-params.ts";
import { FenceExit, runPowerAction, type FenceExitCode, type PowerDevice } from "./power-actions.ts";

/** Everything a fence agent touches of its process; only bin/ builds the real one. */
export interface FenceIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Read lazily: a fence agent given options on its command line must not wait for stdin. */
  readonly stdin: () => string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export interface DeviceInput<P extends Params> {
  readonly values: ParamValues<P>;
  readonly log: Logger;
  readonly deadline: Deadline;
  readonly env: Readonly<Record<string, string | undefined>>;
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

/** fencing.py's action spellings: case-insensitive, OCF's meta-data accepted. */
const normaliseAction = (word: string): string => {
  const lower = word.trim().toLowerCase();
  return lower === "meta-data" ? "metadata" : lower;
};

/** The one place where fence input, actions, output and exit codes meet. */
export async function runFenceAgent<P extends FenceProtocolParams & Params>(
  agent: FenceAgentDefinition<P>,
  io: FenceIo,
): Promise<FenceExitCode> {
  const fail = (reasons: readonly string[]): FenceExitCode => {
    for (const reason of reasons) io.stderr(`${agent.name}: ERROR: Failed: ${reason}\n`);
    return FenceExit.Failed;
  };
  if (io.argv.includes("-h") || io.argv.includes("--help")) {
    io.stdout(renderFenceUsage(agent));
    return FenceExit.Ok;
  }
  const input = readFenceInput(io.argv, io.stdin, agent.params, agent.letters);
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
  const log = createLogger(agent.name, {
    ...io.env,
    HA_debug: common.verbose ? "1" : io.env["HA_debug"],
    HA_DEBUGLOG: common.debug_file ?? io.env["HA_DEBUGLOG"],
  }, io.stderr);
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

  const deadline = createDeadline(budgetMs);
  try {
    const device = agent.device({ values, log, deadline, env: io.env });
    const outcome = await runPowerAction(action, plug, device, {
      delayMs: common.delay * 1000,
      powerTimeoutMs: common.power_timeout * 1000,
      powerWaitMs: common.power_wait * 1000,
      retryOn: common.retry_on,
      separator: common.separator,
      deadline,
      sleep: agent.sleep,
      log,
    });
    if (outcome.lines.length > 0) io.stdout(`${outcome.lines.join("\n")}\n`);
    log.debug(`${action} finished`, { rc: outcome.code, ms: deadline.elapsedMs() });
    return outcome.code;
  } catch (error) {
    if (error instanceof OcfError) return fail([error.message]);
    log.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return fail(["internal error (see log)"]);
  }
}
