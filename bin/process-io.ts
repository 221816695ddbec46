import { runCommand } from "../lib/exec/command.ts";
import type { AgentIo, AgentRun } from "../lib/ocf/run-agent.ts";

/** The real process behind an AgentIo: the only place agents meet argv, env and the std streams. */
export function processIo(): AgentIo {
  return {
    argv: process.argv.slice(2),
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
}

/** Hands the action's syslog lines to logger(1) in one call, then returns the exit code. */
export async function finish(run: AgentRun): Promise<number> {
  const pending = run.log?.pendingSyslog();
  if (pending) {
    await runCommand("logger", ["--prio-prefix", "-t", pending.tag], {
      timeoutMs: 2_000,
      input: `${pending.lines.join("\n")}\n`,
    });
  }
  return run.code;
}
