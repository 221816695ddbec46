import type { CommandOptions, CommandResult, CommandRunner } from "../../lib/exec/command.ts";

/** What a scripted command answers; unset fields mean a clean exit 0 with no output. */
export interface Reply {
  readonly exitCode?: number | undefined;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly spawnError?: string;
  readonly signal?: string;
  readonly timedOut?: boolean;
}

export interface Step {
  /** The exact argv expected, program first: ["xl", "list", "vm1"]. */
  readonly argv: readonly string[];
  readonly reply: Reply;
}

export interface RecordedCall {
  readonly argv: readonly string[];
  readonly options: CommandOptions;
}

/**
 * A CommandRunner that plays a fixed conversation: each call must be the next
 * expected argv, in order. A call off the script answers like a tool that
 * could not be found, so the test fails loudly on `unexpected`.
 */
export function scriptedRunner(steps: readonly Step[]) {
  const calls: RecordedCall[] = [];
  const unexpected: string[] = [];
  let next = 0;
  const run: CommandRunner = async (file, args, options) => {
    const argv = [file, ...args];
    calls.push({ argv, options });
    const step = steps[next];
    if (!step || step.argv.join("\u0000") !== argv.join("\u0000")) {
      unexpected.push(`${argv.join(" ")} (expected ${step ? step.argv.join(" ") : "no more calls"})`);
      return result(argv, { exitCode: undefined, spawnError: "ENOENT" });
    }
    next += 1;
    return result(argv, step.reply);
  };
  return { run, calls, unexpected, remaining: () => steps.slice(next).map((s) => s.argv.join(" ")) };
}

function result(argv: readonly string[], reply: Reply): CommandResult {
  const failedToRun = reply.spawnError !== undefined || reply.signal !== undefined || reply.timedOut === true;
  return {
    command: argv.join(" "),
    exitCode: failedToRun ? undefined : (reply.exitCode ?? 0),
    spawnError: reply.spawnError,
    signal: reply.signal,
    timedOut: reply.timedOut ?? false,
    stdout: reply.stdout ?? "",
    stderr: reply.stderr ?? "",
    durationMs: 1,
  };
}
