import type { PersonaId } from "../personas.ts";
import type { Timing } from "./timing.ts";

/** Why a domain shut down, in libxl's numbering (the `reason code` xl prints). */
export const SHUTDOWN_REASONS = ["poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset"] as const;
export type ShutdownReason = (typeof SHUTDOWN_REASONS)[number];
export const reasonCode = (reason: ShutdownReason): number => SHUTDOWN_REASONS.indexOf(reason);

export const DOMAIN_TYPES = ["pv", "pvh", "hvm"] as const;
export type DomainType = (typeof DOMAIN_TYPES)[number];

export const SHUTDOWN_ACTIONS = [
  "destroy",
  "restart",
  "rename-restart",
  "preserve",
  "coredump-destroy",
  "coredump-restart",
  "soft-reset",
] as const;
export type ShutdownAction = (typeof SHUTDOWN_ACTIONS)[number];

export interface DiskSpec {
  readonly target: string;
  readonly vdev: string;
  readonly backend: string;
  readonly format: string;
  readonly readwrite: boolean;
}

export interface NicSpec {
  readonly mac: string;
  readonly bridge: string;
}

/** A domain's configuration as libxl stores it (what `xl list -l` shows and a restart re-creates). */
export interface DomainConfig {
  readonly name: string;
  readonly uuid: string;
  readonly type: DomainType;
  readonly memoryMiB: number;
  readonly maxMemoryMiB: number;
  readonly vcpus: number;
  readonly maxVcpus: number;
  readonly kernel?: string;
  readonly ramdisk?: string;
  readonly cmdline?: string;
  readonly bootloader?: string;
  readonly disks: readonly DiskSpec[];
  readonly nics: readonly NicSpec[];
  readonly onPoweroff: ShutdownAction;
  readonly onReboot: ShutdownAction;
  readonly onCrash: ShutdownAction;
  readonly onWatchdog: ShutdownAction;
  /** HVM guests: whether the OS has PV drivers (false: xl shutdown needs -F). From `xen_platform_pci`. */
  readonly pvDrivers: boolean;
}

/**
 * How the simulated guest OS behaves. Set per domain name (it survives
 * restarts) with setGuestBehaviour; durations are real-Xen milliseconds,
 * scaled by the time factor.
 */
export interface GuestBehaviour {
  readonly bootMs: number;
  readonly ackMs: number;
  readonly shutdownMs: number;
  /** Crash this long after boot starts (null: never). */
  readonly crashAfterMs: number | null;
  /** Acks shutdown requests, then never shuts down (hung shutdown scripts). */
  readonly ignoreShutdown: boolean;
  /** Never gets past xenbus initialisation: never acks, service never answers. */
  readonly hangBoot: boolean;
  /** Boots, but the kernel never registers the shutdown watch: never acks. */
  readonly noShutdownWatch: boolean;
  /** HVM guests: the OS has PV drivers (false: xl shutdown fails with rc=-10 unless -F). */
  readonly pvDrivers: boolean;
  /** HVM without PV drivers only: the OS reacts to the ACPI power button. */
  readonly acpiPowerButton: boolean;
  /** Balloon driver speed for mem-set (0: no balloon driver, Mem never moves). */
  readonly balloonMiBPerS: number;
  /** Shows `r` (busy) instead of `b` (idle) in xl list. */
  readonly busy: boolean;
  /** Memory the guest writes per simulated second: what each pre-copy round of a live migration re-sends. */
  readonly dirtyMiBPerS: number;
}

/** A domain in the simulated hypervisor. Domain-0 is not stored: it is always there. */
export interface DomainRecord {
  readonly domid: number;
  /** null once destruction has removed the xenstore subtree (listed as `(null)`). */
  name: string | null;
  readonly uuid: string;
  readonly type: DomainType;
  /** The stored libxl config; null when there is none (being destroyed). */
  config: DomainConfig | null;
  /** Memory at `balloonSince` (the balloon driver moves it towards targetMiB from then on). */
  memoryMiB: number;
  targetMiB: number;
  /** Epoch ms of the last target change; null while memory equals the target. */
  balloonSince: number | null;
  maxMemoryMiB: number;
  vcpus: number;
  pauseCount: number;
  shutdownReason: ShutdownReason | null;
  dying: boolean;
  /** Epoch ms when a zombie finally goes; "never" for a stuck one; null while not dying. */
  zombieUntil: number | "never" | null;
  /** The xenstore control/shutdown node: null = no node, "" = idle/acked, else a pending request. */
  control: string | null;
  /** A pending ACPI event for an HVM guest ("power" or "reset"). */
  acpiEvent: string | null;
  /** The guest's shutdown watch is registered (xenbus is up). */
  booted: boolean;
  readonly createdAt: number;
  /** Epoch ms of the first unpause (boot start); null while never run. */
  bootStartedAt: number | null;
  cpuSeconds: number;
  /** Epoch ms since which vCPUs have run uninterrupted; null while paused or shut down. */
  runningSince: number | null;
  guestPid: number | null;
  servicePort: number | null;
  monitorPid: number | null;
  /** Crash time set by a knob (epoch ms). */
  crashAt: number | null;
}

/** Faults and settings of one host; changed with setHostKnobs or `xen-ha sim knob`. */
export interface HostKnobs {
  /**
   * false: this node did not boot Xen. Its kernel view (kernel-view.ts) has no
   * /sys/hypervisor/type and no /proc/xen, and every xl command fails with
   * `cannot init xl context` (xm: xend not running).
   */
  hypervisor: boolean;
  /**
   * false: Xen runs, but dom0 lacks its privileged command interface (the
   * xen-privcmd driver is not loaded): xl fails with the same three lines
   * as without a hypervisor (xm: xend not running), while the kernel view
   * still shows a dom0 and the domains keep running.
   */
  privcmd: boolean;
  autoballoon: boolean;
  /** Lowest memory autoballoon may shrink Domain-0 to. */
  dom0MinMiB: number;
  /** How long a destroyed domain lingers as a `(null) d` zombie, real ms; "never" = stuck. */
  zombieMs: number | "never";
  /** xendomains autostart from etc/xen/auto when the host starts. */
  xendomains: boolean;
  /** Commands that hang until killed ("*" = every command). */
  hang: string[];
  /** Commands that fail transiently: how many more times each fails. */
  fail: Record<string, number>;
  /** Extra latency per command in real-Xen ms ("*" = every command). */
  slowMs: Record<string, number>;
  /** ssh into this host: refuse with "Permission denied (publickey)". */
  sshDeny: boolean;
  /** ssh into this host: connect, then never answer. */
  sshHang: boolean;
  timing: Partial<Timing>;
  /** A failure of migrations INTO this host, in the phase named (lib/sim/README.md, Migration). */
  migrationFault: MigrationFault;
  /** xm persona: xend's relocation server listens (xend-relocation-server). */
  relocationServer: boolean;
  /** xm persona: xend-relocation-hosts-allow, regular expressions for the sender's name (empty: any). */
  relocationHostsAllow: string[];
  /** Paths this dom0 lacks (a disk, /sys/class/net/BRIDGE, a config file): stat and device hotplug see them missing. */
  missingPaths: string[];
}

/** Where a migration into a host breaks (§4.4), injected with the target's `migrationFault` knob. */
export const MIGRATION_FAULTS = [
  "none",
  "banner",
  "drop-precopy",
  "drop-stopcopy",
  "oom",
  "kill-receiver",
  "stall",
  "start-failure",
  "lose-go",
  "lose-report",
] as const;
export type MigrationFault = (typeof MIGRATION_FAULTS)[number];

export interface HostRecord {
  readonly host: string;
  readonly persona: PersonaId;
  readonly timeFactor: number;
  readonly totalMemoryMiB: number;
  readonly cpus: number;
  /** Other names ssh resolves to this host (e.g. its cluster address). */
  readonly addresses: readonly string[];
  up: boolean;
  bootedAt: number;
  dom0MemoryMiB: number;
  /** Domain-0's memory after a boot (autoballoon shrinks dom0MemoryMiB). */
  readonly dom0BootMemoryMiB: number;
  nextDomid: number;
  /**
   * Domids freed recently, with the epoch ms they were freed and how the
   * domain had shut down (what a late `xl shutdown -w` still reports).
   */
  freedDomids: { domid: number; at: number; shutdownReason?: ShutdownReason | null }[];
  domains: DomainRecord[];
  knobs: HostKnobs;
  /** Behaviour overrides by domain name. */
  guests: Record<string, Partial<GuestBehaviour>>;
}
