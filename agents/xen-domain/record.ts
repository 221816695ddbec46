import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../../lib/ocf/logger.ts";

/**
 * What this host remembers about one resource between actions, in a small
 * JSON file under HA_RSCTMP (tmpfs, gone after a reboot, like the domains):
 * - `runningDomid`: the domid the last action here saw running (unset when
 *   it did not); arms the reboot-gap guard (observe.ts);
 * - `runningName`: that domain's name, set and cleared with `runningDomid`:
 *   monitor and stop find a running domain by it without the config file
 *   (domain-config.ts), and it stays right when name= is edited meanwhile;
 * - `utilization`: the values last written with crm_resource, so a steady
 *   monitor makes no crm_resource call;
 * - `leaving`: a stop or migrate_to of ours is under way until `until` (ms
 *   since the epoch, the action's deadline): the domain's death is ours.
 *   XenHost's watcher reads it (agents/xen-host/watcher); whatever records
 *   what was seen next ends it.
 * A missing or unreadable record is the empty record: nothing here is needed
 * for safety in the "stopped" direction, only to spend time or calls wisely.
 */
export interface ResourceRecord {
  readonly runningDomid?: number | undefined;
  readonly runningName?: string | undefined;
  readonly utilization: Readonly<Record<string, string>>;
  readonly leaving?: Leaving | undefined;
}

export interface Leaving {
  readonly action: "stop" | "migrate_to";
  readonly until: number;
}

const EMPTY: ResourceRecord = { utilization: {} };

/**
 * The per-resource file `XenDomain-INSTANCE.SUFFIX` in the state dir: the
 * instance (a resource id, clones with ":N") made a plain file name.
 */
export function stateFile(stateDir: string, instance: string, suffix: string): string {
  return join(stateDir, `XenDomain-${instance.replace(/[^A-Za-z0-9_.-]/g, "_")}.${suffix}`);
}

export const recordPath = (stateDir: string, instance: string): string => stateFile(stateDir, instance, "json");

export function readRecord(path: string): ResourceRecord {
  try {
    const data: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (typeof data !== "object" || data === null) return EMPTY;
    const { runningDomid, runningName, utilization, leaving } = data as Record<string, unknown>;
    const values = typeof utilization === "object" && utilization !== null ? utilization : {};
    const note = typeof leaving === "object" && leaving !== null ? (leaving as Record<string, unknown>) : {};
    return {
      runningDomid: typeof runningDomid === "number" ? runningDomid : undefined,
      runningName: typeof runningDomid === "number" && typeof runningName === "string" ? runningName : undefined,
      utilization: Object.fromEntries(Object.entries(values).filter(([, v]) => typeof v === "string")),
      leaving: (note["action"] === "stop" || note["action"] === "migrate_to") && typeof note["until"] === "number" ? { action: note["action"], until: note["until"] } : undefined,
    };
  } catch {
    return EMPTY;
  }
}

/** What to record after looking at the domain: its id and name while it runs, nothing otherwise. */
export const seenRunning = (domain: { readonly domid: number; readonly name: string } | undefined): Partial<ResourceRecord> => ({
  runningDomid: domain?.domid,
  runningName: domain?.name,
  leaving: undefined,
});

/** Before a stop or migrate_to acts: the domain may die from now until the action's deadline, on purpose. */
export const leavingUntil = (action: Leaving["action"], remainingMs: number): Partial<ResourceRecord> => ({
  leaving: { action, until: Date.now() + remainingMs },
});

/** Writes only when something changed (monitors run every few seconds); atomic by rename. */
export function updateRecord(path: string, change: Partial<ResourceRecord>, log: Logger): void {
  const before = readRecord(path);
  const after = { ...before, ...change };
  if (JSON.stringify(after) === JSON.stringify(before)) return;
  try {
    mkdirSync(join(path, ".."), { recursive: true });
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(after)}\n`);
    renameSync(temporary, path);
  } catch (error) {
    log.warn(`cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
