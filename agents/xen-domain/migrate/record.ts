import { join } from "node:path";
import { errorText } from "../../../lib/lease/lease-fs.ts";
import { domainLeaseDir } from "../../../lib/lease/lease-store.ts";
import type { XenContext } from "../deps.ts";
import { leasePool } from "../never-twice/lease-guard.ts";

/**
 * How long a migration took, as migrate_from reports it: migrate_to leaves
 * its start time in the domain's name-keyed directory on the HA data pool
 * (`<lease_dir>/<NAME>/migration`, next to its leases), migrate_from on the
 * target reads and removes it. Both hosts' clocks must agree (the leases
 * assume the same, within 2 s). Without lease_dir there is no shared place:
 * migrate_from then reports only its own wait, and migrate_to logs the
 * migration's own duration on the source. Best effort: a pool problem is
 * logged, never a reason to fail a migration.
 */
export interface MigrationStart {
  readonly source: string;
  readonly target: string;
  readonly startedAt: number;
}

const recordFile = (leaseDir: string, name: string): string => join(domainLeaseDir(leaseDir, name), "migration");

export async function recordMigrationStart(ctx: XenContext, name: string, start: MigrationStart): Promise<void> {
  const leaseDir = ctx.params.lease_dir;
  if (leaseDir === undefined) return;
  const fs = leasePool(ctx, leaseDir);
  const file = recordFile(leaseDir, name);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await fs.mkdirp(domainLeaseDir(leaseDir, name));
    await fs.writeNewSynced(temporary, `${JSON.stringify(start)}\n`);
    await fs.rename(temporary, file);
  } catch (error) {
    ctx.log.warn(`cannot record the migration's start in ${file}: ${errorText(error)}`);
  }
}

/** The start migrate_to recorded for this domain, removed from the pool; undefined when there is none. */
export async function takeMigrationStart(ctx: XenContext, name: string): Promise<MigrationStart | undefined> {
  const leaseDir = ctx.params.lease_dir;
  if (leaseDir === undefined) return undefined;
  const file = recordFile(leaseDir, name);
  const fs = leasePool(ctx, leaseDir);
  try {
    const data = JSON.parse(await fs.readFile(file)) as Partial<MigrationStart>;
    await fs.unlink(file).catch(() => {});
    return typeof data.startedAt === "number" && typeof data.source === "string" && typeof data.target === "string"
      ? { source: data.source, target: data.target, startedAt: data.startedAt }
      : undefined;
  } catch {
    return undefined;
  }
}
