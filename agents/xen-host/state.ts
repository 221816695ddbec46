import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { XenHostContext } from "./deps.ts";

/**
 * "Started" is a file under HA_RSCTMP (a tmpfs, empty after a reboot), as
 * ocf:pacemaker:HealthCPU keeps it: XenHost manages no process, so there is
 * nothing else to ask. A clone's instance number (`xen-host:1`) is left out,
 * so a renumbered instance finds its file.
 */
export function stateFile(ctx: XenHostContext): string {
  const instance = ctx.ocf.instance.replace(/:\d+$/, "").replace(/[^A-Za-z0-9_.-]/g, "_");
  return join(ctx.deps.stateDir, `XenHost-${instance}.state`);
}

export const isStarted = (ctx: XenHostContext): boolean => existsSync(stateFile(ctx));

export function markStarted(ctx: XenHostContext): void {
  mkdirSync(ctx.deps.stateDir, { recursive: true });
  writeFileSync(stateFile(ctx), "");
}

export const markStopped = (ctx: XenHostContext): void => rmSync(stateFile(ctx), { force: true });
