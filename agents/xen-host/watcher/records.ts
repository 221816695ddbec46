import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readRecord, stateFile, type Leaving } from "../../xen-domain/record.ts";

/**
 * The XenDomain resources this host runs, as their own records say
 * (agents/xen-domain/record.ts, files `XenDomain-INSTANCE.json` in
 * HA_RSCTMP): the name and domid each saw running last, and a stop or
 * migrate_to of ours under way; and, from `XenDomain-INSTANCE.lease.json`
 * (agents/xen-domain/never-twice/lease-guard.ts), the lease directory and
 * generation it holds, where a fence of it would be noted (fence.ts).
 * Other files there (temporary files) are not records.
 */
export interface WatchedResource {
  /** The resource id: the record's instance, as crm_resource takes it. */
  readonly resource: string;
  readonly name: string;
  readonly domid: number;
  readonly leaving: Leaving | undefined;
  /** The lease XenDomain holds for it (lease_dir set), or undefined. */
  readonly lease?: HeldLease | undefined;
}

export interface HeldLease {
  readonly dir: string;
  readonly generation: number;
}

/** The held-lease record; one without its lease directory (written before it was recorded, or after a stop) is none. */
function heldLease(path: string): HeldLease | undefined {
  try {
    const data = JSON.parse(readFileSync(path, "utf8")) as { generation?: unknown; leaseDir?: unknown };
    return typeof data.generation === "number" && typeof data.leaseDir === "string" && data.leaseDir !== "" ? { dir: data.leaseDir, generation: data.generation } : undefined;
  } catch {
    return undefined;
  }
}

const RECORD = /^XenDomain-([A-Za-z0-9_.-]+)\.json$/;

export function watchedResources(stateDir: string): WatchedResource[] {
  let files: string[];
  try {
    files = readdirSync(stateDir);
  } catch {
    return [];
  }
  const found: WatchedResource[] = [];
  for (const file of files) {
    const instance = RECORD.exec(file)?.[1];
    if (instance === undefined || instance.endsWith(".lease")) continue;
    const record = readRecord(join(stateDir, file));
    if (record.runningDomid === undefined || record.runningName === undefined) continue;
    const lease = heldLease(stateFile(stateDir, instance, "lease.json"));
    found.push({ resource: instance, name: record.runningName, domid: record.runningDomid, leaving: record.leaving, lease });
  }
  return found;
}
