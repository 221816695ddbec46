import { describeFailure, type CommandResult, type CommandRunner } from "../exec/command.ts";
import type { Deadline } from "../ocf/deadline.ts";

/**
 * How lib/cib runs Pacemaker's command-line tools: argv arrays through the
 * project's one command runner, each call bounded by the command's deadline,
 * and a clean environment: only the CIB_* variables the caller gave (CIB_file
 * keeps `load` off a live cluster) plus a scratch shadow directory, so
 * crm_simulate never writes into /var/lib/pacemaker.
 */
export interface ToolContext {
  readonly run: CommandRunner;
  readonly deadline: Deadline;
  /** The caller's environment; only the CIB_* variables are passed on. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A private directory for shadow CIBs and intermediate files. */
  readonly scratch: string;
}

export type ToolOutcome =
  | { readonly ok: true; readonly result: CommandResult }
  | { readonly ok: false; readonly unavailable: boolean; readonly message: string; readonly result: CommandResult };

const PASSED = ["CIB_file", "CIB_shadow", "CIB_user", "CIB_passwd", "CIB_server", "CIB_port", "CIB_encrypted"];

/** The variables every tool sees; a variable missing here is removed from the child's environment. */
export function toolEnv(
  context: ToolContext,
  overrides: Readonly<Record<string, string | undefined>> = {},
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { CIB_shadow_dir: context.scratch };
  for (const name of PASSED) env[name] = context.env[name];
  return { ...env, ...overrides };
}

/** Runs a tool; exit codes in `accept` count as success (crm_verify uses 78 for warnings too). */
export async function runTool(
  context: ToolContext,
  file: string,
  args: readonly string[],
  options: {
    readonly env?: Readonly<Record<string, string | undefined>>;
    readonly capMs?: number;
    readonly accept?: readonly number[];
    readonly input?: string;
  } = {},
): Promise<ToolOutcome> {
  const result = await context.run(file, args, {
    timeoutMs: context.deadline.callTimeoutMs(options.capMs ?? 120_000, 1_000),
    env: toolEnv(context, options.env),
    cwd: context.scratch,
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
  if (result.exitCode === undefined) return { ok: false, unavailable: true, message: describeFailure(result), result };
  if (!(options.accept ?? [0]).includes(result.exitCode)) {
    return { ok: false, unavailable: false, message: describeFailure(result), result };
  }
  return { ok: true, result };
}
