import type { CommandRunner } from "../exec/command.ts";

/**
 * Pacemaker looks for OCF agents only under its compiled-in root: checked on
 * Debian 12's Pacemaker 2.1.5, crm_resource ignores OCF_ROOT, PCMK_OCF_ROOT
 * and OCF_RA_PATH. To let crm_resource run agents installed elsewhere (a test's
 * or the demo's temporary root) without touching the real one, the command
 * runs in a private mount namespace where that root's resource.d is mounted
 * over Pacemaker's. Nothing outside the namespace sees the mount, and it
 * vanishes with the command.
 */
export const PACEMAKER_OCF_ROOT = "/usr/lib/ocf";

/**
 * A fixed script, never built from values: the root and the command arrive
 * as positional arguments, so no value is ever parsed by the shell.
 */
const MOUNT_THEN_EXEC = 'mount --bind "$1/resource.d" "$2/resource.d" && shift 2 && exec "$@"';

export interface Invocation {
  readonly file: string;
  readonly args: readonly string[];
}

/** How to run `file args` so that Pacemaker's tools find the agents of `ocfRoot`. */
export function withOcfRoot(ocfRoot: string, file: string, args: readonly string[]): Invocation {
  if (ocfRoot === PACEMAKER_OCF_ROOT) return { file, args };
  return {
    file: "unshare",
    args: [
      "--mount",
      "--propagation",
      "private",
      "--",
      "/bin/sh",
      "-c",
      MOUNT_THEN_EXEC,
      "sh",
      ocfRoot,
      PACEMAKER_OCF_ROOT,
      file,
      ...args,
    ],
  };
}

/** Whether this machine lets us make that private mount (root with CAP_SYS_ADMIN); the reason when not. */
export async function privateOcfRootProblem(run: CommandRunner): Promise<string | undefined> {
  const result = await run("unshare", ["--mount", "--propagation", "private", "--", "true"], { timeoutMs: 5_000 });
  return result.exitCode === 0
    ? undefined
    : `cannot create a private mount namespace (unshare --mount): ${result.stderr.trim() || result.spawnError || "failed"}`;
}
