import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { notInstalled } from "../ocf/exit-code.ts";
import type { Toolstack, ToolstackName, ToolstackOptions } from "./toolstack.ts";
import { LOCAL, toolstackOn } from "./dom0s.ts";

export type ToolstackPreference = "auto" | ToolstackName;

/** An existing regular file with the execute bit for us. */
export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable regular file called `program` in PATH's directories, as execvp would find it. */
export function findOnPath(program: string, path: string | undefined): string | undefined {
  return (path ?? "")
    .split(delimiter)
    .filter((dir) => dir !== "")
    .map((dir) => join(dir, program))
    .find(isExecutableFile);
}

export interface SelectOptions extends ToolstackOptions {
  readonly preference: ToolstackPreference;
  /** ocf-tester's OCF_TESTER_FAIL_HAVE_BINARY: behave as if no toolstack were installed. */
  readonly pretendMissing?: boolean;
}

/**
 * xl when an executable `xl` is on the agent's PATH, else xm (the order the
 * existing Xen agent uses: a host with both runs xl); `preference` forces one.
 * Nothing found is "not installed" (5), for stop and probes too: xl may be
 * gone for an upgrade while the hypervisor runs domains (doc/evidence.md).
 */
export function selectToolstack(options: SelectOptions): Toolstack {
  if (options.pretendMissing) throw notInstalled("no toolstack: OCF_TESTER_FAIL_HAVE_BINARY is set");
  const candidates: readonly ToolstackName[] = options.preference === "auto" ? ["xl", "xm"] : [options.preference];
  const found = candidates.find((name) => findOnPath(name, options.env["PATH"]) !== undefined);
  if (!found) {
    throw notInstalled(`${candidates.join(" or ")} not found on PATH (${options.env["PATH"] ?? "unset"})`);
  }
  return toolstackOn(LOCAL, { tool: found, run: options.run, env: options.env, callTimeoutMs: options.callTimeoutMs }).toolstack;
}
