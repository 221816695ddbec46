import { CLAIM_OPTIONS } from "./claims.ts";
import { type Cib } from "./model.ts";
import { property } from "./queries.ts";
import { assign, placementModel, type Placement, type PlacementModel } from "./placement.ts";
import { parseScore } from "./scores.ts";

/**
 * Admission planning: for every set of K failed hosts, does every protected
 * domain still find a host? The steady state is what the placement model
 * gives with every host up; each failure set is then re-assigned from there,
 * as Pacemaker would after fencing those hosts.
 */
export interface FailureCase {
  readonly failed: readonly string[];
  /** Domains that had to move, with their new host. */
  readonly moved: readonly { readonly id: string; readonly from: string; readonly to: string }[];
  /** Protected domains left stopped. */
  readonly lost: readonly string[];
  /** Best-effort domains left stopped. */
  readonly shed: readonly string[];
}

export interface PlanReport {
  readonly model: PlacementModel;
  readonly steady: Placement;
  /** Domains the claim covers. */
  readonly protectedDomains: readonly string[];
  readonly claim: number | undefined;
  readonly failures: number;
  readonly cases: readonly FailureCase[];
  /** Largest K for which every K-host failure keeps all protected domains running; `exhaustive` is false when the search stopped early or was skipped. */
  readonly tolerated: { readonly value: number; readonly exhaustive: boolean; readonly firstBreak: FailureCase | undefined };
}

export interface PlanOptions {
  readonly failures?: number;
  /** Overrides the CIB's xen-ha-protected-priority. */
  readonly protectedPriority?: number;
  /** Stop the tolerance search after this many failure sets (large clusters). */
  readonly maxCases?: number;
  /** Skip the search for the largest K (the check only needs the claimed one). */
  readonly searchTolerance?: boolean;
}

function* combinations<T>(items: readonly T[], k: number, start = 0): Generator<T[]> {
  if (k === 0) {
    yield [];
    return;
  }
  for (let i = start; i <= items.length - k; i++) {
    for (const rest of combinations(items, k - 1, i + 1)) yield [items[i] as T, ...rest];
  }
}

function failureCase(model: PlacementModel, steady: Placement, failed: readonly string[], protectedIds: ReadonlySet<string>): FailureCase {
  const up = new Set(model.nodes.filter((n) => !failed.includes(n)));
  const after = assign(model, up, steady);
  const moved: { id: string; from: string; to: string }[] = [];
  const lost: string[] = [];
  const shed: string[] = [];
  for (const rsc of model.resources) {
    if (!rsc.isDomain || rsc.disabled) continue;
    const before = steady.get(rsc.id);
    const now = after.get(rsc.id);
    if (now === undefined) (protectedIds.has(rsc.id) ? lost : shed).push(rsc.id);
    else if (before !== undefined && before !== now) moved.push({ id: rsc.id, from: before, to: now });
  }
  return { failed, moved, lost, shed };
}

/** Where everything runs after these hosts fail, starting from the report's steady state. */
export const placementAfter = (report: PlanReport, failed: readonly string[]): Placement =>
  assign(report.model, new Set(report.model.nodes.filter((n) => !failed.includes(n))), report.steady);

export function planCib(cib: Cib, options: PlanOptions = {}): PlanReport {
  const model = placementModel(cib);
  const floor = options.protectedPriority ?? parseScore(property(cib, CLAIM_OPTIONS.protectedPriority)) ?? -Infinity;
  const protectedDomains = model.resources.filter((r) => r.isDomain && !r.disabled && r.priority >= floor).map((r) => r.id);
  const protectedIds = new Set(protectedDomains);
  const claimText = property(cib, CLAIM_OPTIONS.failuresTolerated);
  const claim = claimText === undefined ? undefined : Number.parseInt(claimText, 10);
  const steady = assign(model, new Set(model.nodes), new Map());
  const failures = options.failures ?? claim ?? 1;
  const hosts = model.nodes.filter((n) => !model.standby.includes(n));
  const run = (k: number): FailureCase[] =>
    [...combinations(hosts, Math.min(k, hosts.length))].map((failed) => failureCase(model, steady, failed, protectedIds));

  const baseline = failureCase(model, steady, [], protectedIds);
  const maxCases = options.maxCases ?? 5000;
  let tolerated = { value: 0, exhaustive: true, firstBreak: undefined as FailureCase | undefined };
  let examined = 0;
  if (baseline.lost.length > 0) tolerated = { value: 0, exhaustive: true, firstBreak: baseline };
  else if (options.searchTolerance === false) tolerated = { value: 0, exhaustive: false, firstBreak: undefined };
  else {
    for (let k = 1; k < hosts.length; k++) {
      let broken: FailureCase | undefined;
      for (const failed of combinations(hosts, k)) {
        if (examined++ >= maxCases) {
          tolerated = { value: k - 1, exhaustive: false, firstBreak: undefined };
          break;
        }
        const result = failureCase(model, steady, failed, protectedIds);
        if (result.lost.length > 0) {
          broken = result;
          break;
        }
      }
      if (!tolerated.exhaustive) break;
      if (broken) {
        tolerated = { value: k - 1, exhaustive: true, firstBreak: broken };
        break;
      }
      tolerated = { value: k, exhaustive: true, firstBreak: undefined };
    }
  }
  return {
    model,
    steady,
    protectedDomains,
    claim: claim !== undefined && Number.isFinite(claim) ? claim : undefined,
    failures,
    cases: failures === 0 ? [baseline] : run(failures),
    tolerated,
  };
}
