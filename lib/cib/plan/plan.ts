import { CLAIM_OPTIONS } from "../model/claims.ts";
import { type Cib } from "../model/model.ts";
import { property } from "../model/queries.ts";
import { assign, assignExplained, type KeptApart } from "./assign.ts";
import { placementModel, type Placement, type PlacementModel } from "./placement.ts";
import { parseScore } from "../model/scores.ts";
import { SETTLE_ROUNDS } from "./simulate.ts";

/**
 * Admission planning: for every set of K failed hosts, does every protected
 * domain still find a host? The steady state is what the placement model
 * settles into with every host up; each failure set is then re-assigned from
 * there, as Pacemaker would after fencing those hosts.
 */
export interface FailureCase {
  readonly failed: readonly string[];
  /** Domains that had to move, with their new host. */
  readonly moved: readonly { readonly id: string; readonly from: string; readonly to: string }[];
  /** Protected domains left stopped. */
  readonly lost: readonly string[];
  /** Best-effort domains left stopped. */
  readonly shed: readonly string[];
  /** Stopped domains that had a host but for a domain they must stay apart from (anti-colocation), with those domains. */
  readonly keptApart: KeptApart;
}

export interface PlanReport {
  readonly model: PlacementModel;
  readonly steady: Placement;
  /** Domains Pacemaker would still move at every transition when the placement never settles (empty when it does). */
  readonly unsettled: readonly string[];
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
  const { placement: after, keptApart } = assignExplained(model, up, steady);
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
  const stopped = new Set([...lost, ...shed]);
  return { failed, moved, lost, shed, keptApart: new Map([...keptApart].filter(([id]) => stopped.has(id))) };
}

/**
 * Where the cluster settles with every host up. The first assignment, with
 * nothing running, is not always stable: once the domains run, stickiness and
 * their current hosts change the order Pacemaker assigns them in (with minimal
 * packing it can even stop one it just started), so the placement is assigned
 * again from itself until it stops changing, as `simulate` lets the cluster
 * settle. Some never do (tight capacity with anti-colocations can make
 * Pacemaker swap domains at every transition): then the last state is kept
 * and the domains still moving are named.
 */
function settle(model: PlacementModel): { readonly placement: Placement; readonly unsettled: readonly string[] } {
  const all = new Set(model.nodes);
  let placement = assign(model, all, new Map());
  for (let round = 0; round < SETTLE_ROUNDS; round++) {
    const next = assign(model, all, placement);
    if (model.resources.every((r) => next.get(r.id) === placement.get(r.id))) return { placement, unsettled: [] };
    placement = next;
  }
  const next = assign(model, all, placement);
  return { placement, unsettled: model.resources.filter((r) => r.isDomain && next.get(r.id) !== placement.get(r.id)).map((r) => r.id) };
}

/** Domains left stopped, each kept apart by anti-affinity saying from whom. */
export const stoppedDomains = (c: FailureCase, ids: readonly string[]): string =>
  ids.map((id) => (c.keptApart.has(id) ? `${id} (kept apart from ${(c.keptApart.get(id) ?? []).join(", ")})` : id)).join(", ");

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
  const { placement: steady, unsettled } = settle(model);
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
    unsettled,
    protectedDomains,
    claim: claim !== undefined && Number.isFinite(claim) ? claim : undefined,
    failures,
    cases: failures === 0 ? [baseline] : run(failures),
    tolerated,
  };
}
