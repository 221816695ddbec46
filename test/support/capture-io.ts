import type { AgentIo } from "../../lib/ocf/run-agent.ts";

export interface Captured {
  stdout: string;
  stderr: string;
}

/** An AgentIo whose output is kept in memory; the agent sees exactly `env`, not the test's environment. */
export function captureIo(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): { io: AgentIo; out: Captured } {
  const out: Captured = { stdout: "", stderr: "" };
  return {
    io: { argv, env, stdout: (text) => (out.stdout += text), stderr: (text) => (out.stderr += text) },
    out,
  };
}

/** The exit reasons an agent printed (Pacemaker keeps the last one). */
export function exitReasons(stderr: string, prefix = "ocf-exit-reason:"): string[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length));
}
