import { describeFailure } from "../../lib/exec/command.ts";
import { genericError } from "../../lib/ocf/exit-code.ts";
import type { XenContext } from "./deps.ts";

/** The monitor_scripts parameter as argv[0] values: split on whitespace, never given to a shell. */
export const monitorScripts = (text: string | undefined): readonly string[] =>
  (text ?? "").split(/\s+/).filter((word) => word !== "");

/**
 * Runs each monitor script in turn, as its own program with no arguments and
 * no shell, with OCF_RESKEY_name set to the domain's name. Each may take
 * monitor_scripts_timeout seconds, less if the action's deadline is nearer.
 * Returns the first failure as a sentence naming the script, or undefined.
 */
export async function scriptsFailure(ctx: XenContext, name: string): Promise<string | undefined> {
  for (const script of monitorScripts(ctx.params.monitor_scripts)) {
    const result = await ctx.deps.run(script, [], {
      timeoutMs: ctx.deadline.callTimeoutMs(ctx.params.monitor_scripts_timeout * 1000),
      env: { ...ctx.deps.env, OCF_RESKEY_name: name },
    });
    if (result.exitCode !== 0) return `monitor script failed: ${describeFailure(result)}`;
    ctx.log.debug(`monitor script ${script} passed`, { ms: result.durationMs });
  }
  return undefined;
}

export async function runMonitorScripts(ctx: XenContext, name: string): Promise<void> {
  const failure = await scriptsFailure(ctx, name);
  if (failure) throw genericError(failure);
}
