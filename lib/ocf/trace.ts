import { join } from "node:path";
import type { CommandRunner } from "../exec/command.ts";
import { isTrue } from "./checks.ts";
import type { Env } from "./context.ts";
import type { Logger } from "./logger.ts";


/**
 * The resource-agents convention every agent accepts without declaring it:
 * trace_ra=1 (and trace_dir) on a resource or an op (`crm resource trace`).
 */
export const TRACE_PARAMS: ReadonlySet<string> = new Set(["trace_ra", "trace_dir"]);

/** OCF_TRACE_RA (crm_resource -V, ocf-tester -X) or the per-resource switch trace_ra=1. */
export const traceRequested = (env: Env): boolean => isTrue(env["OCF_TRACE_RA"]) || isTrue(env["OCF_RESKEY_trace_ra"]);

const stamp = (date: Date) => {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}.${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
};

/**
 * Where a traced action writes its trace, as resource-agents' shell agents
 * do: OCF_TRACE_FILE when the caller names one (crm_resource: /dev/stderr,
 * which stderr already carries), else
 * ${trace_dir:-$HA_VARLIB/trace_ra}/TYPE/INSTANCE.ACTION.YYYY-MM-DD.HH:MM:SS.
 */
export function traceFileOf(env: Env, type: string, instance: string, action: string, now = new Date()): string | undefined {
  if (!traceRequested(env)) return undefined;
  const named = env["OCF_TRACE_FILE"];
  if (named) return named === "/dev/stderr" ? undefined : named;
  const dir = env["OCF_RESKEY_trace_dir"] || join(env["HA_VARLIB"] || "/var/lib/heartbeat", "trace_ra");
  return join(dir, type, `${instance.replace(/[^A-Za-z0-9_.:-]/g, "_")}.${action}.${stamp(now)}`);
}

/**
 * Every external command at debug level (shown when tracing or HA_debug is
 * on): argv, outcome and time. Never stdin, which may carry secrets.
 */
export function traceCommands(run: CommandRunner, log: Logger): CommandRunner {
  return async (file, args, options) => {
    const result = await run(file, args, options);
    const outcome = result.timedOut
      ? "timed out"
      : result.spawnError ?? (result.signal !== undefined ? `killed by ${result.signal}` : `exit ${result.exitCode}`);
    const firstError = result.exitCode === 0 ? "" : result.stderr.trim().split("\n")[0] ?? "";
    log.debug(`exec: ${result.command} -> ${outcome} in ${result.durationMs} ms${firstError ? `: ${firstError}` : ""}`);
    return result;
  };
}
