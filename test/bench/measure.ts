import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "../../lib/exec/command.ts";
import { withExactEnv } from "../support/outside-tap.ts";

/** One run of a program: its exit code, wall time, and the CPU it and the children it waited for used. */
export interface Measured {
  readonly rc: number | undefined;
  /** From start to exit of the program (bash's `time`, in ms). */
  readonly wallMs: number;
  /** user + sys of the program and its reaped children (the toolstack calls), from bash's `time`, in ms. */
  readonly cpuMs: number;
  /** The largest resident set of the program or of any child it waited for (GNU time's %M), in MiB. */
  readonly peakRssMiB: number;
  readonly stderr: string;
}

/**
 * Times `file args` run with exactly `env`, as an LRM would (nothing
 * inherited from the benchmark's own process). Wall and CPU come from bash's
 * `time` (milliseconds: GNU time's hundredths of a second are too coarse
 * for goals of 40 and 50 ms), the peak memory from GNU time's %M; the
 * figures include GNU time's and env's own exec, about a millisecond.
 */
export async function measure(
  file: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs = 120_000,
): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), "xen-ha-bench-"));
  try {
    const times = join(dir, "times");
    const peak = join(dir, "peak");
    const inner = withExactEnv(env, file, args);
    // the program's stderr goes to fd 4 (bash's own stderr), `time`'s report to the file
    const script = 'TIMEFORMAT="%3R %3U %3S"; { time "$@" 2>&4; } 4>&2 2>"$0"';
    const result = await runCommand("bash", ["-c", script, times, "/usr/bin/time", "-f", "%M", "-o", peak, inner.file, ...inner.args], {
      timeoutMs,
    });
    const [real = NaN, user = NaN, sys = NaN] = readFileSync(times, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
    // GNU time's last line; a line before it says "Command exited with non-zero status N"
    const maxRssKiB = Number(readFileSync(peak, "utf8").trim().split("\n").at(-1));
    return {
      rc: result.exitCode,
      wallMs: Math.round(real * 1000),
      cpuMs: Math.round((user + sys) * 1000),
      peakRssMiB: Math.round((maxRssKiB / 1024) * 10) / 10,
      stderr: result.stderr,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
};
