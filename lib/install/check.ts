import type { CommandRunner } from "../exec/command.ts";
import { describeFailure } from "../exec/command.ts";
import type { LauncherTarget } from "./plan.ts";

export interface LauncherCheck {
  readonly path: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly problem?: string;
}

/** A cold start of the copied Node plus a first compile stays well under this. */
const CHECK_TIMEOUT_MS = 20_000;

/**
 * Runs every installed program once by its path, as the LRM will: proves the
 * launcher, the copied Node and the copied dependencies work together, and
 * fills the compile cache so the first real operation starts fast.
 */
export async function checkLaunchers(targets: readonly LauncherTarget[], run: CommandRunner): Promise<LauncherCheck[]> {
  const checks: LauncherCheck[] = [];
  for (const target of targets) {
    const result = await run(target.path, target.checkArgs, { timeoutMs: CHECK_TIMEOUT_MS });
    const ok = result.exitCode === 0;
    checks.push({
      path: target.path,
      ok,
      ms: result.durationMs,
      ...(ok ? {} : { problem: describeFailure(result) }),
    });
  }
  return checks;
}
