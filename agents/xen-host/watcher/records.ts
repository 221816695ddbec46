import { readdirSync, readFileSync, statSync } from "node:fs";
import { readRecord, recordPath, stateFile, type Leaving } from "../../xen-domain/record.ts";

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

/** One resource's record (and its lease when `withLease`), read now; undefined unless it says a domain runs. */
function resourceOf(stateDir: string, instance: string, withLease: boolean): WatchedResource | undefined {
  const record = readRecord(recordPath(stateDir, instance));
  if (record.runningDomid === undefined || record.runningName === undefined) return undefined;
  const lease = withLease ? heldLease(stateFile(stateDir, instance, "lease.json")) : undefined;
  return { resource: instance, name: record.runningName, domid: record.runningDomid, leaving: record.leaving, lease };
}

/** One resource as its files say now: a death is judged on this, never on a cached copy. */
export const watchedResource = (stateDir: string, instance: string): WatchedResource | undefined => resourceOf(stateDir, instance, true);

export function watchedResources(stateDir: string): WatchedResource[] {
  let files: string[];
  try {
    files = readdirSync(stateDir);
  } catch {
    return [];
  }
  const present = new Set(files);
  const found: WatchedResource[] = [];
  for (const file of files) {
    const instance = RECORD.exec(file)?.[1];
    if (instance === undefined || instance.endsWith(".lease")) continue;
    // only a lease file that is there is read: a failed open costs more than the listing
    const resource = resourceOf(stateDir, instance, present.has(`XenDomain-${instance}.lease.json`));
    if (resource) found.push(resource);
  }
  return found;
}

/** How long after the directory's last change a listing of it is not trusted to be the last (the kernel stamps with a coarse clock). */
export const RACY_MS = 1_000;

/**
 * watchedResources, read again only when the directory changed. Every
 * record and lease file is written whole and renamed into place
 * (agents/xen-domain/record.ts updateRecord, never-twice/lease-guard.ts),
 * which stamps the directory's mtime; so the same mtime means the same
 * records, one stat instead of a file read per resource on every event.
 * The kernel's file clock is coarse: a rename right after the listing may
 * leave the mtime as it was, so a listing made within RACY_MS of that mtime
 * is not kept (git's "racily clean" rule). The list only names candidates;
 * the watcher judges a death on watchedResource, read at that moment.
 */
export function cachedResources(stateDir: string, wallNow: () => number = Date.now): () => readonly WatchedResource[] {
  let cached: { readonly mtimeNs: bigint; readonly list: readonly WatchedResource[] } | undefined;
  return () => {
    let mtimeNs: bigint;
    try {
      mtimeNs = statSync(stateDir, { bigint: true }).mtimeNs;
    } catch {
      cached = undefined;
      return [];
    }
    if (cached !== undefined && cached.mtimeNs === mtimeNs) return cached.list;
    const readAt = wallNow();
    const list = watchedResources(stateDir);
    cached = readAt - Number(mtimeNs / 1_000_000n) > RACY_MS ? { mtimeNs, list } : undefined;
    return list;
  };
}
