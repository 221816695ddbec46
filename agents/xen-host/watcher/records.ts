import { readdirSync } from "node:fs";
import { join } from "node:path";
import { readRecord, type Leaving } from "../../xen-domain/record.ts";

/**
 * The XenDomain resources this host runs, as their own records say
 * (agents/xen-domain/record.ts, files `XenDomain-INSTANCE.json` in
 * HA_RSCTMP): the name and domid each saw running last, and a stop or
 * migrate_to of ours under way. Other files there (`.lease.json`, temporary
 * files) are not records.
 */
export interface WatchedResource {
  /** The resource id: the record's instance, as crm_resource takes it. */
  readonly resource: string;
  readonly name: string;
  readonly domid: number;
  readonly leaving: Leaving | undefined;
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
    found.push({ resource: instance, name: record.runningName, domid: record.runningDomid, leaving: record.leaving });
  }
  return found;
}
