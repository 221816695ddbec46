import { formatMs, misreading as readAs, type Misreading } from "../model/duration.ts";
import type { Cib } from "../model/model.ts";
import { error, type Problem } from "../model/problem.ts";

/**
 * Op timeouts and intervals that Pacemaker 2.1.5 reads otherwise than they
 * say (lib/cib/model/duration.ts, doc/durations.md): "PT2M" as a timeout is
 * 20 s, "0.9m" is 0, "5m30s" is 5 min, "P1D" as an interval is no recurring
 * monitor at all. crm_verify accepts all of them.
 */
function describe(text: string, kind: "timeout" | "interval", reading: Misreading): string {
  const read = reading.pacemakerMs;
  const as =
    read === undefined
      ? "Pacemaker 2.1.5 misreads the days of an ISO 8601 duration (P1D is read as 0, P2D as one day)"
      : kind === "interval" && read === 0
        ? "Pacemaker 2.1.5 reads it as 0: the operation never recurs"
        : `Pacemaker 2.1.5 reads it as ${formatMs(read)}`;
  const says = reading.intendedMs === undefined ? "is not a plain duration" : `says ${formatMs(reading.intendedMs)}`;
  const iso = kind === "timeout" && text.trim().startsWith("P") ? " (ISO 8601 is read for intervals only; a timeout that fails to parse gets the 20s default)" : "";
  return `${kind} '${text}' ${says}: ${as}${iso}`;
}

const FIX: Readonly<Record<"timeout" | "interval", string>> = {
  timeout: "write a whole number with one unit: ms, s, min or h (e.g. 90s, 2min)",
  interval: "write a whole number with one unit (ms, s, min, h), or ISO 8601 with time parts only (PT1M30S)",
};

export function durationProblems(cib: Cib): Problem[] {
  const problems: Problem[] = [];
  // a thousand domains repeat a handful of texts
  const seen = new Map<string, Misreading | undefined>();
  const misreading = (text: string, kind: "timeout" | "interval"): Misreading | undefined => {
    const key = `${kind} ${text}`;
    if (!seen.has(key)) seen.set(key, readAs(text, kind));
    return seen.get(key);
  };
  for (const primitive of cib.primitives) {
    for (const op of primitive.ops) {
      const where = `op ${op.id ?? `${primitive.id} ${op.name}`}`;
      for (const [kind, text] of [["timeout", op.timeout], ["interval", op.interval]] as const) {
        const reading = text === undefined ? undefined : misreading(text, kind);
        if (text !== undefined && reading) problems.push(error(where, op.line, describe(text, kind, reading), FIX[kind]));
      }
    }
  }
  for (const pair of cib.opDefaults.filter((p) => p.name === "timeout" || p.name === "interval")) {
    const kind = pair.name as "timeout" | "interval";
    const reading = misreading(pair.value, kind);
    if (reading) problems.push(error(`op_defaults ${pair.name}`, pair.line, describe(pair.value, kind, reading), FIX[kind]));
  }
  return problems;
}
