import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { ToolContext } from "../../cib/tools.ts";
import { runCommand } from "../../exec/command.ts";
import { createDeadline } from "../../ocf/deadline.ts";
import { CliError, CliExit, type CliIo } from "../io.ts";

export interface TimeoutOptions {
  /** --timeout: seconds, as given */
  readonly timeout: string;
}

/**
 * Runs `work` with the cluster tools: a scratch directory removed afterwards, and one deadline.
 * A module of its own: only the commands that run Pacemaker's tools load the process machinery.
 */
export async function withTools<T>(io: CliIo, timeoutSeconds: string, work: (context: ToolContext) => Promise<T>): Promise<T> {
  const seconds = Number(timeoutSeconds);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new CliError(CliExit.Usage, `--timeout '${timeoutSeconds}' is not a number of seconds`);
  const scratch = await mkdtemp(join(tmpdir(), "xen-ha-cib-"));
  try {
    // The tools run in the scratch directory: a relative CIB_file is the caller's.
    const cibFile = io.env["CIB_file"];
    const env = { ...io.env, CIB_file: cibFile === undefined || cibFile === "" ? undefined : resolve(io.cwd, cibFile) };
    return await work({ run: runCommand, deadline: createDeadline(seconds * 1000), env, scratch });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
