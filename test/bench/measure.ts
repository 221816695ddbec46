import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "../../lib/exec/command.ts";
import { withExactEnv } from "../support/outside-tap.ts";

/** One run of a program: its exit code, wall time, and the CPU it and the children it waited for used. */
export interface Measured {
  readonly rc: number | undefined;
  readonly wallMs: number;
  /** user + sys of the program and its reaped children (the toolstack calls), from GNU time. */
  readonly cpuMs: number;
  /** The largest resident set of the program or of any child it waited for (GNU time's %M), in MiB. */
  readonly peakRssMiB: number;
  readonly stderr: string;
}

/**
 * Runs `file args` under `/usr/bin/time` with exactly `env`, as an LRM would
 * (nothing inherited from the benchmark's own process). GNU time reports CPU
 * in hundredths of a second; medians over several runs smooth that out.
 */
export async function measure(
  file: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs = 120_000,
): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), "xen-ha-bench-"));
  try {
    const report = join(dir, "time");
    const inner = withExactEnv(env, file, args);
    const result = await runCommand("/usr/bin/time", ["-f", "%U %S %M", "-o", report, inner.file, ...inner.args], {
      timeoutMs,
    });
    const [user = NaN, sys = NaN, maxRssKiB = NaN] = readFileSync(report, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
    return {
      rc: result.exitCode,
      wallMs: result.durationMs,
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
