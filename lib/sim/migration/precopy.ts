/**
 * How much of a guest's memory each pass of a live migration sends
 * (doc/xl-behaviour.md §4.5). The first pass sends every page while the guest runs;
 * each later pass re-sends what the guest dirtied during the previous one;
 * then the guest is suspended and the rest goes in the stop-and-copy pass.
 * Deterministic: the same guest, dirty rate and link give the same plan.
 */
export interface PrecopyPolicy {
  /** Pre-copy passes at most (stream v2: 5; legacy libxc: 29). */
  readonly maxRounds: number;
  /** Stop pre-copy when fewer pages than this are dirty (stream v2) or were sent (legacy). */
  readonly targetPages: number;
  /** Legacy: stop once this many times the guest's memory has been sent. */
  readonly maxFactor?: number;
  /** Legacy: stop when the guest dirties pages faster than the link sends them. */
  readonly stopWhenDirtierThanLink?: boolean;
}

/** xen417: tools/libs/guest/xg_sr_save.c SPP_MAX_ITERATIONS, SPP_TARGET_DIRTY_COUNT. */
export const STREAM_V2: PrecopyPolicy = { maxRounds: 5, targetPages: 50 };
/** xen34: tools/libxc/xc_domain_save.c DEF_MAX_ITERS, DEF_MAX_FACTOR (xm, old xl). */
export const LEGACY_LIBXC: PrecopyPolicy = { maxRounds: 29, targetPages: 50, maxFactor: 3, stopWhenDirtierThanLink: true };

export const PAGES_PER_MIB = 256;

export interface PrecopyPlan {
  /** Pages sent in each pre-copy pass, while the guest runs. */
  readonly rounds: readonly number[];
  /** Pages sent in the stop-and-copy pass, while the guest is suspended. */
  readonly finalPages: number;
}

export interface Workload {
  readonly memoryPages: number;
  readonly dirtyPagesPerS: number;
  readonly linkPagesPerS: number;
}

export function planPrecopy(work: Workload, policy: PrecopyPolicy): PrecopyPlan {
  const rounds: number[] = [];
  let toSend = work.memoryPages;
  let sent = 0;
  for (;;) {
    rounds.push(toSend);
    sent += toSend;
    const seconds = toSend / work.linkPagesPerS;
    const dirtied = Math.min(work.memoryPages, Math.round(work.dirtyPagesPerS * seconds));
    const v2Done = policy.maxFactor === undefined && dirtied < policy.targetPages;
    const legacyDone =
      policy.maxFactor !== undefined &&
      (toSend < policy.targetPages ||
        sent > policy.maxFactor * work.memoryPages ||
        (policy.stopWhenDirtierThanLink === true && work.dirtyPagesPerS > work.linkPagesPerS));
    if (v2Done || legacyDone || rounds.length >= policy.maxRounds) return { rounds, finalPages: dirtied };
    toSend = dirtied;
  }
}

/** Simulated ms to send `pages` over a link that sends one GiB in `msPerGiB`. */
export const transferMs = (pages: number, msPerGiB: number): number => (pages * msPerGiB) / (1024 * PAGES_PER_MIB);
