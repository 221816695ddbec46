import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { XenHostContext } from "./deps.ts";
import { readMemory, type HealthMemory } from "./hysteresis.ts";

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

/** Beside the state file: what was published and the recent checks, for the hysteresis (hysteresis.ts). */
const memoryFile = (ctx: XenHostContext): string => stateFile(ctx).replace(/\.state$/, ".health");

export const isStarted = (ctx: XenHostContext): boolean => existsSync(stateFile(ctx));

export function markStarted(ctx: XenHostContext): void {
  mkdirSync(ctx.deps.stateDir, { recursive: true });
  writeFileSync(stateFile(ctx), "");
}

/** Stopped forgets the health history too: a new start publishes what its checks find. */
export function markStopped(ctx: XenHostContext): void {
  rmSync(stateFile(ctx), { force: true });
  rmSync(memoryFile(ctx), { force: true });
}

/** Our own small file on a tmpfs: read in-process. Missing or unreadable is no memory (the checks' colour is published as is). */
export function loadMemory(ctx: XenHostContext): HealthMemory | undefined {
  try {
    return readMemory(readFileSync(memoryFile(ctx), "utf8"));
  } catch {
    return undefined;
  }
}

/** Written whole and renamed into place, so a monitor killed mid-write leaves the old memory, never half of one. */
export function saveMemory(ctx: XenHostContext, memory: HealthMemory): void {
  const file = memoryFile(ctx);
  mkdirSync(ctx.deps.stateDir, { recursive: true });
  writeFileSync(`${file}.new`, `${JSON.stringify(memory)}\n`);
  renameSync(`${file}.new`, file);
}
