/**
 * Pacemaker's duration syntax for op timeouts and intervals: a number with an
 * optional unit (ms, s, m, h; plain numbers are seconds) or ISO 8601 "PT1M30S".
 */
const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  msec: 1,
  "": 1000,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
};

export function parseDurationMs(text: string): number | undefined {
  const simple = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (simple) {
    const unit = UNIT_MS[(simple[2] ?? "").toLowerCase()];
    return unit === undefined ? undefined : Math.round(Number(simple[1]) * unit);
  }
  const iso = /^P(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)$/i.exec(text.trim());
  if (!iso || text.trim().length <= 2) return undefined;
  return Math.round((Number(iso[1] ?? 0) * 3600 + Number(iso[2] ?? 0) * 60 + Number(iso[3] ?? 0)) * 1000);
}

/** "60s" style text for messages; whole seconds when possible. */
export const formatMs = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** Pacemaker's timeout for an operation that names none and has no op_defaults. */
export const PACEMAKER_DEFAULT_TIMEOUT_MS = 20_000;
