import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { runCommand, type CommandResult } from "../../exec/command.ts";
import { ENV_HOST, ENV_ROOT } from "../context.ts";
import { writeLaunchers } from "../launchers.ts";
import { SYSROOT_ENV } from "../../toolstack/host-evidence.ts";
import { writeKernelView } from "./kernel-view.ts";
import type { HostKnobs, HostRecord } from "./model.ts";
import { hostPaths, rootDefaultsFile, sharedDir } from "./paths.ts";
import { DEFAULT_PERSONA, PERSONAS, type PersonaId } from "../personas.ts";
import { signalPid } from "./processes.ts";
import { DEFAULT_KNOBS, hostExists, listHosts, readHost, updateHost, writeHostUnlocked } from "./store.ts";
import { withFileLock } from "./lock.ts";

/** Setting up, killing, restarting and tearing down simulated hosts. */
export interface SimHostOptions {
  readonly root: string;
  readonly host: string;
  /** Default xl-4.17. Changing the persona of an existing host rewrites its launchers. */
  readonly persona?: PersonaId;
  /** Scales every simulated latency; default: the root's default, else 1. */
  readonly timeFactor?: number;
  /** Host RAM in MiB (default 16384). */
  readonly memoryMiB?: number;
  /** Domain-0's memory in MiB (default 2048). */
  readonly dom0MemoryMiB?: number;
  readonly cpus?: number;
  /** Other names the fake ssh resolves to this host (its cluster addresses). */
  readonly addresses?: readonly string[];
  readonly knobs?: Partial<HostKnobs>;
  /** PATH to put after the host's bin dir in `env` (default: this process's PATH). */
  readonly basePath?: string;
}

export interface SimHost {
  readonly root: string;
  readonly host: string;
  readonly persona: PersonaId;
  readonly binDir: string;
  readonly sharedDir: string;
  /** Variables that make `xl`/`xm`/`ssh` the simulator's for this host: XEN_SIM_ROOT, XEN_SIM_HOST, PATH, and XEN_HA_SYSROOT (its kernel view). */
  readonly env: Readonly<Record<string, string>>;
}

function rootDefaultFactor(root: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(rootDefaultsFile(root), "utf8")) as { timeFactor?: number }).timeFactor;
  } catch {
    return undefined;
  }
}

/** Sets the time factor new hosts under `root` get (per-root default). */
export function setRootTimeFactor(root: string, timeFactor: number): void {
  mkdirSync(root, { recursive: true });
  writeFileSync(rootDefaultsFile(root), `${JSON.stringify({ timeFactor })}\n`);
}

function freshHost(options: SimHostOptions, persona: PersonaId, now: number): HostRecord {
  const dom0 = options.dom0MemoryMiB ?? 2_048;
  return {
    host: options.host,
    persona,
    timeFactor: options.timeFactor ?? rootDefaultFactor(options.root) ?? 1,
    totalMemoryMiB: options.memoryMiB ?? 16_384,
    cpus: options.cpus ?? 8,
    addresses: options.addresses ?? [],
    up: true,
    bootedAt: now,
    dom0MemoryMiB: dom0,
    dom0BootMemoryMiB: dom0,
    nextDomid: 1,
    freedDomids: [],
    domains: [],
    knobs: { ...DEFAULT_KNOBS, ...options.knobs },
    guests: {},
  };
}

/** Creates a simulated host (or reuses it, applying the options given) and its launchers. */
export function createSimHost(options: SimHostOptions): SimHost {
  const { root, host } = options;
  const paths = hostPaths(root, host);
  for (const dir of [sharedDir(root), paths.dir, paths.logDir, paths.etcXenDir, paths.runningDir]) mkdirSync(dir, { recursive: true });
  const persona = withFileLock(paths.lockFile, () => {
    if (!hostExists(root, host)) {
      const record = freshHost(options, options.persona ?? DEFAULT_PERSONA, Date.now());
      writeHostUnlocked(root, record);
      return record.persona;
    }
    const current = readHost(root, host);
    const record: HostRecord = {
      ...current,
      persona: options.persona ?? current.persona,
      timeFactor: options.timeFactor ?? current.timeFactor,
      totalMemoryMiB: options.memoryMiB ?? current.totalMemoryMiB,
      cpus: options.cpus ?? current.cpus,
      addresses: options.addresses ?? current.addresses,
      knobs: { ...current.knobs, ...options.knobs },
    };
    writeHostUnlocked(root, record);
    return record.persona;
  });
  const binDir = writeLaunchers(root, host, persona);
  writeKernelView(root, host);
  const basePath = options.basePath ?? process.env["PATH"] ?? "/usr/bin:/bin";
  return {
    root,
    host,
    persona,
    binDir,
    sharedDir: sharedDir(root),
    env: { [ENV_ROOT]: root, [ENV_HOST]: host, PATH: `${binDir}${delimiter}${basePath}`, [SYSROOT_ENV]: paths.sysrootDir },
  };
}

function runningToolPids(root: string, host: string): number[] {
  try {
    return readdirSync(hostPaths(root, host).runningDir).map(Number).filter((pid) => pid > 1 && pid !== process.pid);
  } catch {
    return [];
  }
}

/**
 * The host dies: every domain's guest and monitor and every xl/xm call
 * running on it are SIGKILLed at once, and the hypervisor state is gone.
 * The host stays down (tools refuse, ssh gets no route) until startHost.
 */
export function killHost(root: string, host: string): void {
  const pids = updateHost(root, host, (record) => {
    const victims = record.domains.flatMap((d) => [d.guestPid, d.monitorPid]);
    record.up = false;
    record.domains = [];
    record.freedDomids = [];
    return victims;
  });
  for (const pid of [...pids, ...runningToolPids(root, host)]) {
    signalPid(pid, "SIGCONT");
    signalPid(pid, "SIGKILL");
  }
}

/**
 * Boots a host that was killed: fresh hypervisor (domids from 1), Domain-0 at
 * its boot memory. With the xendomains knob on, then runs what the init
 * script does: `xl create` (or `xm create`) for every config in
 * etc-xen/auto, in name order. Returns the autostart calls' results.
 */
export async function startHost(root: string, host: string): Promise<CommandResult[]> {
  const booted = updateHost(root, host, (record) => {
    if (record.up) return undefined;
    record.up = true;
    record.bootedAt = Date.now();
    record.nextDomid = 1;
    record.freedDomids = [];
    record.domains = [];
    record.dom0MemoryMiB = record.dom0BootMemoryMiB;
    return record;
  });
  if (!booted?.knobs.xendomains || PERSONAS[booted.persona].tool === "none") return [];
  const paths = hostPaths(root, host);
  const autoDir = join(paths.etcXenDir, "auto");
  const configs = existsSync(autoDir) ? readdirSync(autoDir).sort() : [];
  const tool = PERSONAS[booted.persona].tool;
  const results: CommandResult[] = [];
  for (const config of configs) {
    const args = tool === "xl" ? ["create", "-q", join(autoDir, config)] : ["create", join(autoDir, config)];
    const env = { XEN_SIM_ROOT: root, XEN_SIM_HOST: host, PATH: `${paths.binDir}${delimiter}${process.env["PATH"] ?? ""}` };
    results.push(await runCommand(join(paths.binDir, tool), args, { timeoutMs: 600_000, env }));
  }
  return results;
}

/** Kills, by pid, every process the simulator started under `root` and marks every host down. */
export function cleanupSim(root: string): void {
  for (const host of listHosts(root)) {
    try {
      killHost(root, host);
    } catch {
      // a host directory half-removed already: nothing left to kill there
    }
  }
}
