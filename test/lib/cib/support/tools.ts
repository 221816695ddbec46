import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "../../../../lib/exec/command.ts";
import { createDeadline } from "../../../../lib/ocf/deadline.ts";
import type { ToolContext } from "../../../../lib/cib/tools.ts";

/** Whether a Pacemaker tool is installed (the integration parts skip themselves when not). */
async function installed(name: string): Promise<boolean> {
  return (await runCommand(name, ["--version"], { timeoutMs: 20_000 })).exitCode === 0;
}

export const PACEMAKER = (await Promise.all(["crm_simulate", "crm_verify", "cibadmin", "crm_attribute"].map(installed))).every(Boolean);
export const SKIP_PACEMAKER: false | string = PACEMAKER ? false : "Pacemaker's command-line tools are not installed";

/** A tool context with a private scratch directory, removed by the returned cleanup. */
export function toolContext(env: Readonly<Record<string, string | undefined>> = {}): { context: ToolContext; cleanup: () => void } {
  const scratch = mkdtempSync(join(tmpdir(), "xen-ha-test-"));
  return {
    context: { run: runCommand, deadline: createDeadline(600_000), env, scratch },
    cleanup: () => rmSync(scratch, { recursive: true, force: true }),
  };
}
