import type { Env } from "../ocf/context.ts";
import { createDeadline, type Deadline } from "../ocf/deadline.ts";
import { OcfError, OcfExit } from "../ocf/exit-code.ts";
import { createLogger, type Logger } from "../ocf/logger.ts";
import type { ProcessIo } from "./process-io.ts";

/**
 * The skeleton of one run of an OCF agent, a fence agent or a stonith plugin.
 * The three protocols differ in how they read input and how they report a
 * failure; these are the same for all:
 * - one logger per action, and its syslog lines handed to the system log when
 *   the action ends, whatever the outcome;
 * - one deadline, counted from the start of the run;
 * - an OcfError escaping the action is reported the protocol's way; anything
 *   else is a bug: its stack goes to the log and the caller sees
 *   "internal error (see log)" with a generic failure, never a stack trace.
 */
export interface LogSettings {
  readonly tag: string;
  /** The environment the logger reads (HA_debug, HA_LOGFILE, HA_logfacility...); io.env when absent. */
  readonly env?: Env;
  readonly traceFile?: string;
}

export interface RunScope {
  /** The action's logger: opened on first use with the protocol's settings, unless openLog came first. */
  readonly log: Logger;
  /** Opens the logger with settings known only once the input is read (a fence agent's verbose, debug_file). */
  openLog(settings: LogSettings): Logger;
  /** The action's deadline: `budgetMs` from the start of the run, so time spent reading input counts. */
  deadline(budgetMs: number): Deadline;
}

export interface RunProtocol<Code> {
  readonly log: LogSettings;
  /** Reports a failure the protocol's way (exit reason, "Failed:" line, log line) and returns the exit code. */
  readonly fail: (error: OcfError, log: Logger) => Code;
}

export const internalError = (): OcfError => new OcfError(OcfExit.ErrGeneric, "internal error (see log)");

export async function runLoop<Code>(
  io: ProcessIo,
  protocol: RunProtocol<Code>,
  action: (scope: RunScope) => Promise<Code>,
): Promise<Code> {
  const started = Date.now();
  let opened: Logger | undefined;
  const open = (settings: LogSettings): Logger =>
    createLogger(settings.tag, settings.env ?? io.env, io.stderr, settings.traceFile);
  const scope: RunScope = {
    get log() {
      return (opened ??= open(protocol.log));
    },
    openLog(settings) {
      if (opened) throw new Error("the action's logger is already open");
      return (opened = open(settings));
    },
    deadline: (budgetMs) => createDeadline(budgetMs, Date.now, started),
  };
  try {
    return await action(scope);
  } catch (error) {
    if (error instanceof OcfError) return protocol.fail(error, scope.log);
    scope.log.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return protocol.fail(internalError(), scope.log);
  } finally {
    const pending = opened?.pendingSyslog();
    if (pending) await io.syslog({ tag: pending.tag, lines: pending.lines });
  }
}
