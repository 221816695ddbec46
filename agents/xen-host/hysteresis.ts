import { RANK, type Colour } from "./health.ts";

/**
 * Damping of the published colour (doc/xen-host.md §6). A host turns worse at
 * once: a red host must be drained while it still runs. It turns better only
 * when the last `recoverAfter` checks were all no worse than the new colour
 * and the published colour has held for `minDwellMs`: a check that flaps
 * between red and green would otherwise send the domains away and back
 * (node-health-strategy moves them on every change).
 */
export interface HealthMemory {
  /** What #health-xen says now. */
  readonly published: Colour;
  /** Wall-clock ms when it was published (monitors are separate processes: no monotonic clock spans them). */
  readonly since: number;
  /** The checks' own colours, the latest last, at most recoverAfter of them. */
  readonly recent: readonly Colour[];
  /** Why the published colour is not green, from the check that made it so. */
  readonly cause: string;
}

export interface DampRule {
  readonly recoverAfter: number;
  readonly minDwellMs: number;
}

export interface Damped {
  readonly publish: Colour;
  readonly memory: HealthMemory;
  /** Set when the published colour is worse than the checks found: the sentence the log and exit reason give. */
  readonly held: string | undefined;
}

export function damp(previous: HealthMemory | undefined, raw: Colour, cause: string, now: number, rule: DampRule): Damped {
  const recent = [...(previous?.recent ?? []), raw].slice(-rule.recoverAfter);
  if (previous === undefined || RANK[raw] > RANK[previous.published]) {
    return { publish: raw, memory: { published: raw, since: now, recent, cause }, held: undefined };
  }
  if (raw === previous.published) {
    return { publish: raw, memory: { ...previous, recent, cause: raw === "green" ? "" : cause }, held: undefined };
  }
  // A wall clock set back would otherwise hold the colour until it catches up: count the dwell from now.
  const since = Math.min(previous.since, now);
  const dwelt = now - since;
  const candidate = recent.length >= rule.recoverAfter ? worstOf(recent) : previous.published;
  if (RANK[candidate] < RANK[previous.published] && dwelt >= rule.minDwellMs) {
    return { publish: candidate, memory: { published: candidate, since: now, recent, cause: candidate === "green" ? "" : cause || previous.cause }, held: undefined };
  }
  const streak = countFromEnd(recent, (colour) => RANK[colour] < RANK[previous.published]);
  const held =
    `held ${previous.published} while recovering (${streak} of ${rule.recoverAfter} checks better, ` +
    `${Math.floor(dwelt / 1000)} of ${Math.ceil(rule.minDwellMs / 1000)} s dwelt); ${previous.published} because ${previous.cause}`;
  return { publish: previous.published, memory: { ...previous, since, recent }, held };
}

const worstOf = (colours: readonly Colour[]): Colour => colours.reduce<Colour>((acc, c) => (RANK[c] > RANK[acc] ? c : acc), "green");

function countFromEnd<T>(items: readonly T[], test: (item: T) => boolean): number {
  let n = 0;
  for (let i = items.length - 1; i >= 0 && test(items[i] as T); i -= 1) n += 1;
  return n;
}

const COLOURS: readonly string[] = ["green", "yellow", "red"];
const isColour = (value: unknown): value is Colour => typeof value === "string" && COLOURS.includes(value);

/** The memory as the state file holds it; anything else (an older agent's file, a torn write) is no memory. */
export function readMemory(text: string): HealthMemory | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { published, since, recent, cause } = value as Record<string, unknown>;
  if (!isColour(published) || typeof since !== "number" || !Number.isFinite(since) || typeof cause !== "string") return undefined;
  if (!Array.isArray(recent) || !recent.every(isColour)) return undefined;
  return { published, since, recent, cause };
}
