/**
 * The time an action may use. Every external call takes its timeout from here,
 * so that the agent always answers before the LRM's own timeout kills it and
 * the cluster has to guess.
 */
export interface Deadline {
  /** Milliseconds until the agent must have answered (op timeout minus a safety margin). */
  remainingMs(): number;
  /** A timeout for one external call: at most `capMs`, never past the deadline, at least `floorMs`. */
  callTimeoutMs(capMs: number, floorMs?: number): number;
  expired(): boolean;
  elapsedMs(): number;
}

/**
 * The margin kept back for the agent to report, log and exit after its last
 * call: a tenth of the op timeout, between 1 s and 5 s.
 */
export function safetyMarginMs(timeoutMs: number): number {
  return Math.min(5_000, Math.max(1_000, Math.round(timeoutMs / 10)));
}

/** `started`: when the action began, if before now (a fence agent's wait for its stdin counts). */
export function createDeadline(timeoutMs: number, now: () => number = Date.now, started: number = now()): Deadline {
  const end = started + timeoutMs - safetyMarginMs(timeoutMs);
  const remainingMs = () => Math.max(0, end - now());
  return {
    remainingMs,
    callTimeoutMs: (capMs, floorMs = 100) => Math.max(floorMs, Math.min(capMs, remainingMs())),
    expired: () => remainingMs() <= 0,
    elapsedMs: () => now() - started,
  };
}
