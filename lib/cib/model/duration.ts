/**
 * Durations as Pacemaker 2.1.5 reads them, and as an admin means them
 * (doc/durations.md has the table, checked against crm_simulate).
 *
 * An op timeout goes through crm_get_msec (lib/common/strings.c): leading
 * whitespace, the longest run of digits and dots, whitespace, then a unit
 * recognised by its first letters only (ms, us, s, m, h; none means seconds,
 * anything else is an error). The number is read as an integer, so "0.9m" is
 * 0 and "1.5s" is 1 s; "5m30s" is 5 min. An error (PT2M, 1e3, -5s, +5s, 3days)
 * makes unpack_timeout (lib/pengine/pe_actions.c) use 20 s, op_defaults or
 * not; the result is stored in an int, so huge values wrap.
 *
 * An interval goes through crm_parse_interval_spec: text starting with "P" is
 * an ISO 8601 duration, the rest goes through crm_get_msec. 2.1.5 counts the
 * days of an ISO duration one short (P1D is 0, so a monitor every P1D is no
 * recurring monitor at all; P2D is one day) and reads no fractions.
 */

/** How the admin means it: an integer and one of the units Pacemaker Explained lists. */
const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  msec: 1,
  us: 0.001,
  usec: 0.001,
  "": 1000,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
};

/** The ISO 8601 durations 2.1.5 reads exactly: time parts only, whole numbers. */
const ISO_TIME = /^PT(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/;

/**
 * The duration an admin means, or undefined when the text is not a plain one:
 * "60s", "2 min", "90", "500ms", and for intervals "PT1M30S".
 */
export function intendedMs(text: string, kind: "timeout" | "interval" = "timeout"): number | undefined {
  const trimmed = text.trim();
  if (kind === "interval" && trimmed.startsWith("P")) {
    const iso = ISO_TIME.exec(trimmed);
    return iso ? (Number(iso[1] ?? 0) * 3600 + Number(iso[2] ?? 0) * 60 + Number(iso[3] ?? 0)) * 1000 : undefined;
  }
  const simple = /^(\d+)\s*([a-z]*)$/i.exec(trimmed);
  const unit = simple ? UNIT_MS[(simple[2] ?? "").toLowerCase()] : undefined;
  return simple && unit !== undefined ? Math.floor(Number(simple[1]) * unit) : undefined;
}

const WHITESPACE = " \t\n\r\f";
const span = (text: string, from: number, chars: string): number => {
  let end = from;
  while (end < text.length && chars.includes(text[end] as string)) end++;
  return end;
};

/** crm_get_msec: milliseconds, or undefined where it returns its error value. */
export function crmGetMsec(text: string): number | undefined {
  const start = span(text, 0, WHITESPACE);
  const numberEnd = span(text, start, "0123456789.");
  if (numberEnd === start) return undefined;
  const units = text.slice(span(text, numberEnd, WHITESPACE)).toLowerCase();
  // strncasecmp prefixes, in Pacemaker's order: "min" is minutes, "5 mss" is 5 ms
  const [multiplier, divisor] = units.startsWith("ms")
    ? [1, 1]
    : units.startsWith("us")
      ? [1, 1000]
      : units.startsWith("s")
        ? [1000, 1]
        : units.startsWith("m")
          ? [60_000, 1]
          : units.startsWith("h")
            ? [3_600_000, 1]
            : units === "" || units.startsWith("\n") || units.startsWith("\r")
              ? [1000, 1]
              : [0, 0];
  if (divisor === 0) return undefined;
  // scan_ll reads the integer part only; a number without digits ("." or ".5") fails
  const digits = /^\d+/.exec(text.slice(start, numberEnd));
  if (!digits) return undefined;
  return Math.trunc((Number(digits[0]) * multiplier) / divisor);
}

/** A C int: what a long long becomes when stored in one (two's complement wrap, as ECMAScript's ToInt32). */
const toInt32 = (value: number): number => value | 0;

/** The op timeout Pacemaker 2.1.5 uses for this text (unpack_timeout). */
export function pacemakerTimeoutMs(text: string): number {
  const ms = crmGetMsec(text);
  const stored = ms === undefined ? -1 : toInt32(ms);
  return stored < 0 ? PACEMAKER_DEFAULT_TIMEOUT_MS : stored;
}

/**
 * The interval Pacemaker 2.1.5 uses for this text (crm_parse_interval_spec);
 * 0 means not recurring. Undefined for ISO 8601 durations with date parts
 * (Y, M, W, D), which 2.1.5 misreads in ways not modelled here (P1D is 0,
 * P2D one day, P1W six days, P1Y no interval at all).
 */
export function pacemakerIntervalMs(text: string): number | undefined {
  if (text.startsWith("P")) {
    // time parts are summed in any order ("PT1S1M" is 61 s)
    if (/^PT(?:\d+[HMS])+\s*$/.test(text)) {
      const seconds = { H: 3600, M: 60, S: 1 } as const;
      return [...text.matchAll(/(\d+)([HMS])/g)].reduce((sum, [, n, unit]) => sum + Number(n) * seconds[unit as "H"] * 1000, 0);
    }
    return /^P\d/.test(text) && !/[.,]/.test(text) ? undefined : 0;
  }
  const ms = crmGetMsec(text);
  // a guint: crm_simulate shows more than 2^32-1 ms (49.7 days) clipped to it
  return ms === undefined || ms < 0 ? 0 : Math.min(ms, 4_294_967_295);
}

export interface Misreading {
  /** What Pacemaker 2.1.5 uses (undefined: misread, by an amount not modelled). */
  readonly pacemakerMs: number | undefined;
  /** What the text plainly says, when it says something. */
  readonly intendedMs: number | undefined;
}

/** A timeout or interval Pacemaker would read as something else than it plainly says (or that says nothing plain). */
export function misreading(text: string, kind: "timeout" | "interval"): Misreading | undefined {
  const meant = intendedMs(text, kind);
  const read = kind === "timeout" ? pacemakerTimeoutMs(text) : pacemakerIntervalMs(text);
  return read !== undefined && meant === read ? undefined : { pacemakerMs: read, intendedMs: meant };
}

/** "60s" style text for messages; whole seconds when possible. */
export const formatMs = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** Pacemaker's timeout for an operation that names none and has no op_defaults (CRM_DEFAULT_OP_TIMEOUT_S). */
export const PACEMAKER_DEFAULT_TIMEOUT_MS = 20_000;
