import type { ProcessIo, StdinRead, SyslogBatch } from "../../lib/protocol/process-io.ts";

export interface Captured {
  stdout: string;
  stderr: string;
  /** What the agent handed to the system log, one batch per action. */
  syslog: SyslogBatch[];
}

/** stdin as the process edge delivers it: the bytes of `text`, or a failure the test chooses. */
export const stdinOf =
  (text: string | StdinRead = "") =>
  async (): Promise<StdinRead> =>
    typeof text === "string" ? { ok: true, bytes: new TextEncoder().encode(text) } : text;

/** A ProcessIo whose output is kept in memory; the agent sees exactly `env`, not the test's environment. */
export function captureIo(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  stdin: string | StdinRead = "",
): { io: ProcessIo; out: Captured } {
  const out: Captured = { stdout: "", stderr: "", syslog: [] };
  return {
    io: {
      argv,
      env,
      stdout: (text) => (out.stdout += text),
      stderr: (text) => (out.stderr += text),
      stdin: stdinOf(stdin),
      syslog: async (batch) => void out.syslog.push(batch),
    },
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
