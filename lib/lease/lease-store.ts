import { join } from "node:path";
import { errorCode, errorText, type LeaseFs } from "./lease-fs.ts";
import { formatFence, formatLease, parseFence, parseLease, type FenceRecord, type LeaseRecord } from "./lease-record.ts";

/**
 * Where a domain's lease lives on the data pool, and how it is written.
 *
 *   <lease_dir>/<domain, URI-encoded>/lease-000000000007   one file per generation
 *   <lease_dir>/<domain, URI-encoded>/fence-000000000007   a fence of generation 7's holder
 *
 * The highest generation is the lease. A new generation is published with
 * link(2), which fails when the name exists, so of two hosts racing for the
 * same generation exactly one wins. The holder renews and releases its own
 * generation by write + fsync + rename. Every write goes to a private
 * temporary file first and is fsynced, and so is the directory afterwards.
 */
export type StoreProblemKind = "unreadable" | "unwritable" | "corrupt";

export type StoreResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly kind: StoreProblemKind; readonly problem: string };

export interface CurrentLease {
  /** undefined: this domain has never been leased in this directory. */
  readonly lease: LeaseRecord | undefined;
  /** The fence record of the current generation, if any. */
  readonly fence: FenceRecord | undefined;
}

const pad = (generation: number) => String(generation).padStart(12, "0");
export const leaseFileName = (generation: number) => `lease-${pad(generation)}`;
export const fenceFileName = (generation: number) => `fence-${pad(generation)}`;
const LEASE_FILE = /^lease-(\d{12})$/;

export const domainLeaseDir = (leaseDir: string, domain: string): string =>
  join(leaseDir, encodeURIComponent(domain));

const fail = <T>(kind: StoreProblemKind, problem: string): StoreResult<T> => ({ ok: false, kind, problem });

/** A temporary name nobody else can be using: the writer's tag (host), pid and a random part. */
const tempName = (tag: string) =>
  `.tmp-${encodeURIComponent(tag)}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

export async function readCurrent(fs: LeaseFs, leaseDir: string, domain: string): Promise<StoreResult<CurrentLease>> {
  const dir = domainLeaseDir(leaseDir, domain);
  let names: readonly string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    if (errorCode(error) === "ENOENT") {
      // The domain's directory is missing. If the pool itself is missing too, it is not mounted: not "free".
      try {
        await fs.readdir(leaseDir);
      } catch (poolError) {
        return fail("unreadable", `lease directory ${leaseDir}: ${errorText(poolError)}`);
      }
      return { ok: true, value: { lease: undefined, fence: undefined } };
    }
    return fail("unreadable", `${dir}: ${errorText(error)}`);
  }
  const generations = names.map((name) => LEASE_FILE.exec(name)?.[1]).filter((g): g is string => g !== undefined);
  if (generations.length === 0) return { ok: true, value: { lease: undefined, fence: undefined } };
  const generation = Math.max(...generations.map(Number));
  const lease = await readRecord(fs, join(dir, leaseFileName(generation)), parseLease);
  if (!lease.ok) return lease;
  if (lease.value.domain !== domain || lease.value.generation !== generation) {
    return fail("corrupt", `${join(dir, leaseFileName(generation))}: foreign lease (domain ${lease.value.domain}, generation ${lease.value.generation})`);
  }
  if (!names.includes(fenceFileName(generation))) return { ok: true, value: { lease: lease.value, fence: undefined } };
  const fence = await readRecord(fs, join(dir, fenceFileName(generation)), parseFence);
  if (!fence.ok) return fence;
  if (fence.value.domain !== domain || fence.value.generation !== generation) {
    return fail("corrupt", `${join(dir, fenceFileName(generation))}: foreign fence record`);
  }
  return { ok: true, value: { lease: lease.value, fence: fence.value } };
}

async function readRecord<T>(
  fs: LeaseFs,
  path: string,
  parse: (text: string) => { ok: true; value: T } | { ok: false; problem: string },
): Promise<StoreResult<T>> {
  let text: string;
  try {
    text = await fs.readFile(path);
  } catch (error) {
    return fail("unreadable", `${path}: ${errorText(error)}`);
  }
  const parsed = parse(text);
  return parsed.ok ? parsed : fail("corrupt", `${path}: ${parsed.problem}`);
}

/** Writes `text` to a fresh temporary file in `dir` (fsynced); returns its path. */
async function stage(fs: LeaseFs, dir: string, text: string, tag: string): Promise<string> {
  await fs.mkdirp(dir);
  const temp = join(dir, tempName(tag));
  await fs.writeNewSynced(temp, text);
  return temp;
}

async function discard(fs: LeaseFs, path: string): Promise<void> {
  try {
    await fs.unlink(path);
  } catch {
    // a stray temporary file is harmless: readers ignore names they do not know
  }
}

/** Publishes a new generation; "taken" when another writer published that generation first. */
export async function publishLease(
  fs: LeaseFs,
  leaseDir: string,
  record: LeaseRecord,
): Promise<StoreResult<"published" | "taken">> {
  const dir = domainLeaseDir(leaseDir, record.domain);
  let temp: string | undefined;
  try {
    temp = await stage(fs, dir, formatLease(record), record.holder);
    try {
      await fs.link(temp, join(dir, leaseFileName(record.generation)));
    } catch (error) {
      if (errorCode(error) === "EEXIST") return { ok: true, value: "taken" };
      throw error;
    }
    await fs.syncDir(dir);
    return { ok: true, value: "published" };
  } catch (error) {
    return fail("unwritable", `${dir}: ${errorText(error)}`);
  } finally {
    if (temp) await discard(fs, temp);
  }
}

/** Replaces an existing generation's record (renewal, release) atomically. */
export async function replaceLease(fs: LeaseFs, leaseDir: string, record: LeaseRecord): Promise<StoreResult<void>> {
  return replace(fs, domainLeaseDir(leaseDir, record.domain), leaseFileName(record.generation), formatLease(record), record.holder);
}

export async function writeFence(fs: LeaseFs, leaseDir: string, record: FenceRecord): Promise<StoreResult<void>> {
  return replace(fs, domainLeaseDir(leaseDir, record.domain), fenceFileName(record.generation), formatFence(record), record.by);
}

async function replace(fs: LeaseFs, dir: string, name: string, text: string, tag: string): Promise<StoreResult<void>> {
  let temp: string | undefined;
  try {
    temp = await stage(fs, dir, text, tag);
    await fs.rename(temp, join(dir, name));
    temp = undefined;
    await fs.syncDir(dir);
    return { ok: true, value: undefined };
  } catch (error) {
    return fail("unwritable", `${join(dir, name)}: ${errorText(error)}`);
  } finally {
    if (temp) await discard(fs, temp);
  }
}

/** Removes records of generations older than `keepFrom`; best effort, never needed for safety. */
export async function pruneOld(fs: LeaseFs, leaseDir: string, domain: string, keepFrom: number): Promise<void> {
  const dir = domainLeaseDir(leaseDir, domain);
  try {
    for (const name of await fs.readdir(dir)) {
      const generation = /^(?:lease|fence)-(\d{12})$/.exec(name)?.[1];
      if (generation !== undefined && Number(generation) < keepFrom) await discard(fs, join(dir, name));
    }
  } catch {
    // pruning is housekeeping; the next writer tries again
  }
}
