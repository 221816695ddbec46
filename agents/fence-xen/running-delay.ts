import { hasControlCharacter, shown, splitList } from "../../lib/ocf/checks.ts";
import type { Decoded, Param } from "../../lib/ocf/params.ts";
import { UUID } from "../../lib/toolstack/list-verbose.ts";

/**
 * delay_if_running: how long a fence waits before it destroys a domain that
 * it found running, so that of two guests that fence each other at once
 * (a split of a two-guest cluster) one survives: the other guest's fence of
 * this one, undelayed, destroys it (and the fence it runs) first. A domain
 * that is gone, crashed or dying runs no fence of its own, so its fence
 * waits for nothing (xen-power.ts; agents/fence-xen/README.md; the refusals:
 * doc/fence-input.md §2).
 *
 * Spelling: whole seconds, fencing.py's `delay` unit, either one number for
 * every plug ("1") or PLUG:SECONDS entries in the style of Pacemaker's
 * pcmk_host_map and per-target pcmk_delay_base ("guest1:1"), separated by
 * ';', ',' or spaces. The plug is split from its seconds at the last ':'
 * (a Xen domain name may hold ':'). A plug not listed waits nothing.
 */
export interface RunningDelays {
  /** Seconds before destroying `plug` once it is found running; 0: none. */
  readonly secondsFor: (plug: string) => number;
  /** The longest of them: what an action's budget must hold. */
  readonly maxSeconds: number;
  /** The plugs listed (none for one number for every plug), for the CIB check. */
  readonly plugs: readonly string[];
  /** Listed plugs that differ from `plug` only in case (names are case-sensitive: a likely typo), for a warning. */
  readonly caseVariantsOf: (plug: string) => readonly string[];
}

/** As fencing.py's own `delay`: at most an hour. */
export const MAX_RUNNING_DELAY_S = 3_600;

const ok = (value: RunningDelays): Decoded<RunningDelays> => ({ ok: true, value });
const bad = (problem: string): Decoded<RunningDelays> => ({ ok: false, problem });

/** UUID plugs compare in any case (xl prints them in lower case); names exactly. */
const keyOf = (plug: string): string => (UUID.test(plug) ? plug.toLowerCase() : plug);

function secondsProblem(text: string): string | undefined {
  if (text === "") return "no seconds given";
  if (!/^\d+$/.test(text)) return `${shown(text)} is not a whole number of seconds (write 1, not 1s, 1.5 or -1)`;
  const seconds = Number(text);
  return seconds > MAX_RUNNING_DELAY_S ? `${shown(text)} is out of range (0 to ${MAX_RUNNING_DELAY_S} seconds)` : undefined;
}

/** `plugProblem`: the agent's rule for a plug (a UUID or a usable domain name). */
export function decodeRunningDelays(raw: string, plugProblem: (plug: string) => string | undefined): Decoded<RunningDelays> {
  if (hasControlCharacter(raw)) return bad(`${shown(raw)} holds a control character`);
  const trimmed = raw.trim();
  if (/^\d+$/.test(trimmed) || /^[-+]?[\d.]+s?$/.test(trimmed)) {
    const problem = secondsProblem(trimmed);
    if (problem) return bad(problem);
    const all = Number(trimmed);
    return ok({ secondsFor: () => all, maxSeconds: all, plugs: [], caseVariantsOf: () => [] });
  }
  const entries = splitList(trimmed.replaceAll(";", ","));
  if (entries === undefined) return bad(`${shown(raw)} has an empty entry (two separators in a row, or one at an end)`);
  if (entries.length === 0) return bad("no entry given (PLUG:SECONDS, or one number of seconds for every plug)");
  const byPlug = new Map<string, number>();
  const problems: string[] = [];
  for (const entry of entries) {
    const colon = entry.lastIndexOf(":");
    if (colon < 0) {
      problems.push(`${shown(entry)} is not PLUG:SECONDS`);
      continue;
    }
    const [plug, seconds] = [entry.slice(0, colon), entry.slice(colon + 1)];
    const problem = plugProblem(plug) ?? secondsProblem(seconds);
    if (problem) {
      problems.push(`${shown(entry)}: ${problem}`);
      continue;
    }
    const key = keyOf(plug);
    const twin = [...byPlug.keys()].find((other) => other.toLowerCase() === key.toLowerCase());
    if (twin === key) problems.push(`${shown(plug)} is listed twice`);
    else if (twin !== undefined) problems.push(`${shown(twin)} and ${shown(plug)} differ only in case (domain names are case-sensitive: list the one Pacemaker passes as the plug)`);
    else byPlug.set(key, Number(seconds));
  }
  if (problems.length > 0) return bad(problems.join("; "));
  return ok({
    secondsFor: (plug) => byPlug.get(keyOf(plug)) ?? 0,
    maxSeconds: Math.max(0, ...byPlug.values()),
    plugs: [...byPlug.keys()],
    caseVariantsOf: (plug) => [...byPlug.keys()].filter((key) => key !== keyOf(plug) && key.toLowerCase() === plug.toLowerCase()),
  });
}

/** The parameter, declared once: meta-data, stdin decoding, validation and the CIB check all read it. */
export const runningDelayParam = (plugProblem: (plug: string) => string | undefined): Param<RunningDelays | undefined> => ({
  kind: "string",
  required: false,
  default: undefined,
  shortdesc: "Seconds an off waits before destroying a domain it finds running, by plug",
  longdesc:
    "Breaks the tie when two guests fence each other at once (a two-guest cluster that splits): give the first guest's plug a delay " +
    "(e.g. guest1:1), and a fence of it that finds its domain running on an answering dom0 waits that long, then looks again and destroys it. " +
    "Meanwhile the first guest's own fence of the second, undelayed, destroys the second and the fence it was running. A domain that every " +
    "dom0 reports gone (missing_as_off), or that has crashed or is dying, runs no fence of its own and is fenced at once, unlike with " +
    "delay or pcmk_delay_base, which every fence of that plug waits. Whole seconds: PLUG:SECONDS entries separated by ';', ',' or spaces " +
    "(plugs as Pacemaker passes them: pcmk_host_map's values), or one number for every plug. The wait must fit in the action's time: a fence " +
    "that could not destroy the domain after it fails instead.",
  decode: (raw) => decodeRunningDelays(raw, plugProblem),
  plugsNamed: (value) => value?.plugs ?? [],
});
