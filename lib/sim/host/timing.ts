/**
 * Every simulated latency, by name, in milliseconds of real Xen time
 * (doc/xl-behaviour.md §6; the ones marked [assumption] there are engineering
 * defaults, not measurements). A host knob `timing.NAME=MS` overrides one;
 * the time factor scales all of them, so a test at factor 0.05 sees the 60 s
 * shutdown ack wait end after 3 s.
 */
export const DEFAULT_TIMING = {
  /** xl list, xl info, domid and the other few-hypercall commands. */
  queryMs: 30,
  /** xl list -l: per-domain config retrieval. */
  listLongMs: 80,
  /** pause, unpause, trigger, mem-set, the control-node write of shutdown. */
  controlMs: 20,
  /** xl create until it returns, PV/PVH guests (domain build, hotplug scripts). */
  createPvMs: 1_500,
  /** xl create until it returns, HVM guests (adds QEMU start). */
  createHvmMs: 4_000,
  /** destroy: device teardown before the hypercall. */
  destroyBaseMs: 300,
  /** destroy: memory relinquish, per GiB of guest memory. */
  destroyPerGiBMs: 100,
  /** shutdown/reboot: how long xl waits for the guest's ack (Xen >= 4.13). */
  ackTimeoutMs: 60_000,
  /** The monitor's sleep(2) between destroy and re-create on restart. */
  restartGapMs: 2_000,
  /** Autoballoon: how long xl tries to shrink dom0 before giving up. */
  autoballoonCreditMs: 30_000,
  /** xm shutdown -w polls once a second. */
  xmPollMs: 1_000,
  /** xend refuses to restart a guest that dies within this time of starting. */
  xmMinimumRestartMs: 60_000,
  /** Domids are not reused within this time of their domain's death (Xen >= 4.14). */
  domidReuseMs: 60_000,
  /** The fake ssh: connection setup. */
  sshConnectMs: 30,
  /** xl migrate: the receiver starts and builds the empty domain (with sshConnectMs: the 0.3 s of §6). */
  migrateSetupMs: 270,
  /** Migration link: one GiB of guest memory at 110 MB/s (GbE). */
  migrateMsPerGiB: 9_760,
  /** Live migration: the stop-and-copy pause is drawn from this range (Clark et al. measured 60-210 ms). */
  migrateDowntimeMinMs: 50,
  migrateDowntimeMaxMs: 300,
  /** xl migrate: between the sender's rename to NAME--migratedaway and the receiver's rename to NAME. */
  migrateNameGapMs: 5,
  /** xl save / restore: one GiB to or from the save file's disk. */
  saveMsPerGiB: 5_000,
} as const;

export type TimingName = keyof typeof DEFAULT_TIMING;
export type Timing = Record<TimingName, number>;

export function isTimingName(name: string): name is TimingName {
  return Object.hasOwn(DEFAULT_TIMING, name);
}

/** Guest OS behaviour defaults (per guest; see GuestBehaviour). */
export const DEFAULT_GUEST_TIMING = {
  /** From first unpause until xenbus is up: the shutdown watch registered, the service answering. */
  bootMs: 1_000,
  /** From a control request to the guest's ack. */
  ackMs: 50,
  /** From the ack to the shut-down state (the guest OS's shutdown scripts). */
  shutdownMs: 3_000,
} as const;

/** The clock the simulator runs on: real time, with every simulated delay scaled by one factor. */
export interface SimClock {
  readonly factor: number;
  readonly timing: Timing;
  /** A named latency, scaled. */
  ms(name: TimingName): number;
  /** Any simulated duration, scaled. */
  scale(ms: number): number;
  sleep(ms: number): Promise<void>;
}

export function createClock(factor: number, overrides: Partial<Timing> = {}): SimClock {
  const timing: Timing = { ...DEFAULT_TIMING, ...overrides };
  const scale = (ms: number): number => Math.max(0, Math.round(ms * factor));
  return {
    factor,
    timing,
    ms: (name) => scale(timing[name]),
    scale,
    sleep: (ms) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve()),
  };
}

/** Parses XEN_SIM_TIME_FACTOR-style text: a positive number. */
export function parseTimeFactor(text: string): number | undefined {
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}
