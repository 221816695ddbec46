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

/** Beside the state file: what the last monitor published (attributes.ts writes only what changed). */
const publishedFile = (ctx: XenHostContext): string => stateFile(ctx).replace(/\.state$/, ".attributes");

/** Stopped forgets the health history and what was published too: a new start publishes what its checks find, in full. */
export function markStopped(ctx: XenHostContext): void {
  rmSync(stateFile(ctx), { force: true });
  rmSync(memoryFile(ctx), { force: true });
  rmSync(publishedFile(ctx), { force: true });
}

/** Our own small file on a tmpfs: read in-process. Missing or unreadable is no memory (the checks' colour is published as is). */
export function loadMemory(ctx: XenHostContext): HealthMemory | undefined {
  try {
    return readMemory(readFileSync(memoryFile(ctx), "utf8"));
  } catch {
    return undefined;
  }
}

/** Written whole and renamed into place, so a monitor killed mid-write leaves the old file, never half of one. */
function saveJson(ctx: XenHostContext, file: string, value: unknown): void {
  mkdirSync(ctx.deps.stateDir, { recursive: true });
  writeFileSync(`${file}.new`, `${JSON.stringify(value)}\n`);
  renameSync(`${file}.new`, file);
}

export const saveMemory = (ctx: XenHostContext, memory: HealthMemory): void => saveJson(ctx, memoryFile(ctx), memory);

/** The attributes as the last monitor left them: name to value, a deleted one absent. */
export interface PublishedRecord {
  readonly values: Readonly<Record<string, string>>;
  /** Monitors since every attribute was last written. */
  readonly monitorsSinceFull: number;
}

/** Missing, torn or from another version: no record, so the next monitor writes everything. */
export function loadPublished(ctx: XenHostContext): PublishedRecord | undefined {
  try {
    const { values, monitorsSinceFull } = JSON.parse(readFileSync(publishedFile(ctx), "utf8")) as Record<string, unknown>;
    if (typeof values !== "object" || values === null || Array.isArray(values)) return undefined;
    if (!Object.values(values).every((v) => typeof v === "string")) return undefined;
    if (typeof monitorsSinceFull !== "number" || !Number.isSafeInteger(monitorsSinceFull) || monitorsSinceFull < 0) return undefined;
    return { values: values as Record<string, string>, monitorsSinceFull };
  } catch {
    return undefined;
  }
}

export const savePublished = (ctx: XenHostContext, record: PublishedRecord): void => saveJson(ctx, publishedFile(ctx), record);

/** Before writing: a monitor that fails or is killed mid-way leaves no record, so the next one writes everything. */
export const forgetPublished = (ctx: XenHostContext): void => rmSync(publishedFile(ctx), { force: true });
