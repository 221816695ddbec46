import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCommand, type CommandResult } from "../../lib/exec/command.ts";
import type { InstallDirs } from "../../lib/install/plan.ts";

/** The repository this test runs from; its dist/ is built by `npm test`'s pretest. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface TempInstall {
  /** The temporary directory holding everything (world-traversable). */
  readonly base: string;
  readonly dirs: InstallDirs;
  /** The installed OCF agent, by path, as the LRM runs it. */
  readonly agentPath: (name: string) => string;
  readonly result: CommandResult;
  readonly remove: () => void;
}

/**
 * A temporary directory that other users may enter (mkdtemp makes 0700 ones,
 * which would hide everything inside from `su nobody`).
 */
export function openTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * Installs the built package the way an admin does (`xen-ha install`, run by
 * the project's Node from dist/) into a fresh temporary tree. Test files call
 * this once and share the result.
 */
export async function installToTemp(label = "xen-ha-install-"): Promise<TempInstall> {
  const base = openTempDir(label);
  const dirs: InstallDirs = {
    ocfRoot: join(base, "ocf"),
    prefix: join(base, "lib", "xen-ha"),
    sbinDir: join(base, "sbin"),
    stonithDir: join(base, "stonith"),
    manDir: join(base, "man"),
  };
  const result = await installInto(dirs).catch((error: unknown) => {
    rmSync(base, { recursive: true, force: true });
    throw error;
  });
  return {
    base,
    dirs,
    agentPath: (name) => join(dirs.ocfRoot, "resource.d", "xen-ha", name),
    result,
    remove: () => rmSync(base, { recursive: true, force: true }),
  };
}

/** `xen-ha install` from dist/ into `dirs`, as an admin runs it; throws with its output when it fails. */
export async function installInto(dirs: InstallDirs): Promise<CommandResult> {
  const result = await runCommand(
    process.execPath,
    [
      join(REPO_ROOT, "dist", "bin", "xen-ha.js"),
      "install",
      "--ocf-root",
      dirs.ocfRoot,
      "--prefix",
      dirs.prefix,
      "--sbin-dir",
      dirs.sbinDir,
      "--stonith-dir",
      dirs.stonithDir,
      "--man-dir",
      dirs.manDir ?? join(dirs.prefix, "man"),
    ],
    { timeoutMs: 120_000 },
  );
  if (result.exitCode !== 0) throw new Error(`xen-ha install failed: exit ${result.exitCode}\n${result.stdout}${result.stderr}`);
  return result;
}
