import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { withFileLock } from "./lock.ts";
import type { DomainRecord, GuestBehaviour, HostKnobs, HostRecord } from "./model.ts";
import { hostPaths, hostsDir } from "./paths.ts";
import { DEFAULT_GUEST_TIMING } from "./timing.ts";

/**
 * A host's state lives in one JSON file, replaced atomically (write + rename),
 * so readers never need the lock and see either the old or the new state.
 * Writers take the host lock around read-modify-write.
 */

export const DEFAULT_KNOBS: HostKnobs = {
  hypervisor: true,
  privcmd: true,
  autoballoon: false,
  dom0MinMiB: 1_024,
  zombieMs: 0,
  xendomains: false,
  hang: [],
  fail: {},
  slowMs: {},
  sshDeny: false,
  sshHang: false,
  timing: {},
  migrationFault: "none",
  relocationServer: true,
  relocationHostsAllow: [],
  missingPaths: [],
};

export const DEFAULT_BEHAVIOUR: GuestBehaviour = {
  ...DEFAULT_GUEST_TIMING,
  crashAfterMs: null,
  ignoreShutdown: false,
  hangBoot: false,
  noShutdownWatch: false,
  pvDrivers: true,
  acpiPowerButton: true,
  balloonMiBPerS: 512,
  busy: false,
  dirtyMiBPerS: 16,
};

export class HostMissing extends Error {
  override readonly name = "HostMissing";
}

/** Drops zombies whose time is up; their memory and domids are free from then on. */
function collectZombies(record: HostRecord, now: number): HostRecord {
  const gone = record.domains.filter((d) => typeof d.zombieUntil === "number" && d.zombieUntil <= now);
  if (gone.length === 0) return record;
  return {
    ...record,
    domains: record.domains.filter((d) => !gone.includes(d)),
    freedDomids: [...record.freedDomids, ...gone.map((d) => ({ domid: d.domid, at: d.zombieUntil as number, shutdownReason: d.shutdownReason }))],
  };
}

export function hostExists(root: string, host: string): boolean {
  return existsSync(hostPaths(root, host).stateFile);
}

/** Every host of a root, sorted. */
export function listHosts(root: string): string[] {
  if (!existsSync(hostsDir(root))) return [];
  return readdirSync(hostsDir(root)).filter((h) => hostExists(root, h)).sort();
}

/** The host's state now, without the lock. Throws HostMissing when the host (or its root) is gone. */
export function readHost(root: string, host: string): HostRecord {
  let text: string;
  try {
    text = readFileSync(hostPaths(root, host).stateFile, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new HostMissing(`no simulated host ${host} under ${root}`);
    throw error;
  }
  const record = JSON.parse(text) as HostRecord;
  return collectZombies({ ...record, knobs: { ...DEFAULT_KNOBS, ...record.knobs } }, Date.now());
}

export function writeHostUnlocked(root: string, record: HostRecord): void {
  const file = hostPaths(root, record.host).stateFile;
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(record, null, 1)}\n`);
  renameSync(temp, file);
}

let afterWrite: (() => void)[] = [];

/**
 * Runs `action` once the update in progress is written: wake-ups must come
 * after the state they announce, or the woken process reads the old one.
 */
export function afterCommit(action: () => void): void {
  afterWrite.push(action);
}

/**
 * Read-modify-write of a host's state under its lock. `change` mutates the
 * record in place and returns the result wanted.
 */
export function updateHost<T>(root: string, host: string, change: (record: HostRecord) => T): T {
  afterWrite = [];
  const result = withFileLock(hostPaths(root, host).lockFile, () => {
    const record = readHost(root, host);
    const value = change(record);
    writeHostUnlocked(root, record);
    return value;
  });
  const actions = afterWrite;
  afterWrite = [];
  for (const action of actions) action();
  return result;
}

export function findByDomid(record: HostRecord, domid: number): DomainRecord | undefined {
  return record.domains.find((d) => d.domid === domid);
}

/** Exact, case-sensitive name match, as libxl_name_to_domid. */
export function findByName(record: HostRecord, name: string): DomainRecord | undefined {
  return record.domains.find((d) => d.name === name);
}

export function behaviourOf(record: HostRecord, name: string | null): GuestBehaviour {
  return { ...DEFAULT_BEHAVIOUR, ...(name === null ? {} : record.guests[name]) };
}

/** Memory overhead per guest libxl accounts for: 1 MiB PV, 2 MiB PVH/HVM. */
export function overheadMiB(domain: DomainRecord): number {
  return domain.type === "pv" ? 1 : 2;
}

/**
 * A domain's memory now: the balloon driver moves it from memoryMiB towards
 * the target at the guest's balloonMiBPerS (in simulated seconds; 0 = no
 * driver, it never moves).
 */
export function currentMemoryMiB(record: HostRecord, domain: DomainRecord, now = Date.now()): number {
  if (domain.balloonSince === null || domain.memoryMiB === domain.targetMiB) return domain.memoryMiB;
  const rate = behaviourOf(record, domain.name).balloonMiBPerS;
  const moved = Math.floor((rate * (now - domain.balloonSince)) / 1000 / record.timeFactor);
  const gap = domain.targetMiB - domain.memoryMiB;
  return domain.memoryMiB + Math.sign(gap) * Math.min(Math.abs(gap), moved);
}

/** A new balloon target: memory so far is settled, the driver starts from there. */
export function setBalloonTarget(record: HostRecord, domain: DomainRecord, targetMiB: number, now: number): void {
  domain.memoryMiB = currentMemoryMiB(record, domain, now);
  domain.targetMiB = targetMiB;
  domain.balloonSince = now;
}

/** free_memory in MiB: recovers only when a domain is fully gone, not while it is a zombie. */
export function freeMemoryMiB(record: HostRecord): number {
  const now = Date.now();
  const used = record.domains.reduce((sum, d) => sum + currentMemoryMiB(record, d, now) + overheadMiB(d), 0);
  return Math.max(0, record.totalMemoryMiB - record.dom0MemoryMiB - used);
}
