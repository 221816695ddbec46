import { CLAIM_OPTIONS } from "../model/claims.ts";
import { type Cib } from "../model/model.ts";
import { property } from "../model/queries.ts";
import { assign, assignedNodes, assignExplained, type KeptApart } from "./assign.ts";
import { hasQuorum, quorumLimit, quorumOf, type Quorum } from "../model/quorum.ts";
import { placementModel, type Placement, type PlacementModel } from "./placement.ts";
import { parseScore } from "../model/scores.ts";
import { SETTLE_ROUNDS } from "./settle.ts";

/**
 * Admission planning: for every set of K failed hosts, does every protected
 * domain still find a host? The steady state is what the placement model
 * settles into with every host up; each failure set is then re-assigned from
 * there, as Pacemaker would after fencing those hosts, unless the survivors
 * have lost quorum (model/quorum.ts): then no-quorum-policy decides, and
 * for every policy but ignore no domain is recovered.
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
  /** The survivors have no quorum (and no-quorum-policy is not ignore): nothing is recovered. */
  readonly quorumLost: boolean;
  /** Resources placed where Pacemaker's internal node order decides between equally good hosts: the outcome may differ. */
  readonly ambiguous: readonly string[];
}

export interface PlanReport {
  readonly model: PlacementModel;
  readonly quorum: Quorum;
  /** The most hosts that may fail at once with the survivors still quorate. */
  readonly quorumLimit: number;
  readonly steady: Placement;
  /** Resources the steady state placed by Pacemaker's internal node order (see FailureCase.ambiguous). */
  readonly steadyAmbiguous: readonly string[];
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
  /** Stop the tolerance search after this many failure sets (default: about 1.5 million resource assignments' worth, at most 5000). */
  readonly maxCases?: number;
  /** Skip the search for the largest K (the check only needs the claimed one). */
  readonly searchTolerance?: boolean;
}

const ASSIGNMENT_BUDGET = 1_500_000;

function* combinations<T>(items: readonly T[], k: number, start = 0): Generator<T[]> {
  if (k === 0) {
    yield [];
    return;
  }
  for (let i = start; i <= items.length - k; i++) {
    for (const rest of combinations(items, k - 1, i + 1)) yield [items[i] as T, ...rest];
  }
}

const survivors = (model: PlacementModel, failed: readonly string[]): Set<string> => new Set(model.nodes.filter((n) => !failed.includes(n)));

/** Whether the survivors recover any domain: they are quorate, or no-quorum-policy is ignore. */
const recovers = (quorum: Quorum, up: ReadonlySet<string>): boolean => quorum.policy === "ignore" || hasQuorum(quorum, up);

/** Where everything runs after `failed` hosts fail, starting from `steady`, with the choices Pacemaker's node order makes. */
function after(model: PlacementModel, quorum: Quorum, steady: Placement, failed: readonly string[]) {
  const up = survivors(model, failed);
  if (recovers(quorum, up)) {
    const assigned = assignExplained(model, up, steady);
    // Not a spread: that would build the placement map, which failureCase does without.
    return {
      get placement() {
        return assigned.placement;
      },
      nodeIndex: assigned.nodeIndex as Int32Array | undefined,
      keptApart: assigned.keptApart,
      ambiguous: assigned.ambiguous,
      quorumLost: false,
    };
  }
  // Without quorum nothing is recovered and, except under freeze, everything stops. Under freeze crm_simulate keeps some
  // domains on the survivors and stops others (when capacity is involved); that is not modelled: they count as
  // stopped, and as uncertain.
  const stopped = new Map([...steady].map(([id]) => [id, undefined]));
  const frozen = quorum.policy === "freeze" ? [...steady].filter(([, node]) => node !== undefined && up.has(node)).map(([id]) => id) : [];
  return { placement: stopped, nodeIndex: undefined, keptApart: new Map<string, readonly string[]>(), ambiguous: frozen as readonly string[], quorumLost: true };
}

/** `steadyNodes`: the steady placement by resource index (looked up once per plan, not once per failure set). */
function failureCase(model: PlacementModel, quorum: Quorum, steady: Placement, steadyNodes: readonly (string | undefined)[], failed: readonly string[], protectedIds: ReadonlySet<string>): FailureCase {
  const outcome = after(model, quorum, steady, failed);
  const { keptApart, ambiguous, quorumLost, nodeIndex } = outcome;
  const moved: { id: string; from: string; to: string }[] = [];
  const lost: string[] = [];
  const shed: string[] = [];
  for (let r = 0; r < model.resources.length; r++) {
    const rsc = model.resources[r] as PlacementModel["resources"][number];
    if (!rsc.isDomain || rsc.disabled) continue;
    const before = steadyNodes[r];
    const where = nodeIndex ? model.nodes[nodeIndex[r] as number] : outcome.placement.get(rsc.id);
    if (where === undefined) (protectedIds.has(rsc.id) ? lost : shed).push(rsc.id);
    else if (before !== undefined && before !== where) moved.push({ id: rsc.id, from: before, to: where });
  }
  const stopped = new Set([...lost, ...shed]);
  return { failed, moved, lost, shed, keptApart: new Map([...keptApart].filter(([id]) => stopped.has(id))), quorumLost, ambiguous };
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
function settle(model: PlacementModel): { readonly placement: Placement; readonly unsettled: readonly string[]; readonly ambiguous: readonly string[] } {
  const all = new Set(model.nodes);
  let { placement, ambiguous } = assignExplained(model, all, new Map());
  for (let round = 0; round < SETTLE_ROUNDS; round++) {
    const next = assignExplained(model, all, placement);
    if (model.resources.every((r) => next.placement.get(r.id) === placement.get(r.id))) return { placement, unsettled: [], ambiguous };
    ({ placement, ambiguous } = next);
  }
  const next = assign(model, all, placement);
  return { placement, unsettled: model.resources.filter((r) => r.isDomain && next.get(r.id) !== placement.get(r.id)).map((r) => r.id), ambiguous };
}

/** Domains left stopped, each kept apart by anti-affinity saying from whom. */
export const stoppedDomains = (c: FailureCase, ids: readonly string[]): string =>
  ids.map((id) => (c.keptApart.has(id) ? `${id} (kept apart from ${(c.keptApart.get(id) ?? []).join(", ")})` : id)).join(", ");

/** Where everything runs after these hosts fail, starting from the report's steady state. */
export const placementAfter = (report: PlanReport, failed: readonly string[]): Placement => outcomeAfter(report, failed).placement;

/** `placementAfter`, with whether quorum was lost and which choices Pacemaker's node order made (ambiguous). */
export const outcomeAfter = (report: PlanReport, failed: readonly string[]) => after(report.model, report.quorum, report.steady, failed);

/** What planCib and claimBreaks share: the model, the steady state, and the two ways of asking about a failure set. */
function planning(cib: Cib, options: PlanOptions) {
  const model = placementModel(cib);
  const floor = options.protectedPriority ?? parseScore(property(cib, CLAIM_OPTIONS.protectedPriority)) ?? -Infinity;
  const protectedDomains = model.resources.filter((r) => r.isDomain && !r.disabled && r.priority >= floor).map((r) => r.id);
  const protectedIds = new Set(protectedDomains);
  const claimText = property(cib, CLAIM_OPTIONS.failuresTolerated);
  const claim = claimText === undefined ? undefined : Number.parseInt(claimText, 10);
  const { placement: steady, unsettled, ambiguous: steadyAmbiguous } = settle(model);
  const quorum = quorumOf(cib);
  const failures = options.failures ?? claim ?? 1;
  const hosts = model.nodes.filter((n) => !model.standby.includes(n));
  // The tolerance search and the table ask for the same sets: each is assigned once.
  const seen = new Map<string, FailureCase>();
  const steadyNodes = model.resources.map((r) => steady.get(r.id));
  const caseOf = (failed: readonly string[]): FailureCase => {
    const key = failed.join("\n");
    const known = seen.get(key);
    if (known) return known;
    const result = failureCase(model, quorum, steady, steadyNodes, failed, protectedIds);
    // Only the table's size is asked twice; keeping the search's other sizes would only hold memory (1000 domains: ~200 moves a set).
    if (failed.length === Math.min(failures, hosts.length) || failed.length === 0) seen.set(key, result);
    return result;
  };
  const protectedIndexes = model.resources.flatMap((r, i) => (protectedIds.has(r.id) ? [i] : []));
  /**
   * Whether `failed` leaves a protected domain stopped: caseOf(failed).lost is not empty, read from the assignment's
   * node indexes without building the case (its moves, its lists). `table`: a set of the table's size, kept for the table.
   */
  const breaks = (failed: readonly string[], table: boolean): boolean => {
    if (table) return caseOf(failed).lost.length > 0;
    const up = survivors(model, failed);
    if (!recovers(quorum, up)) return protectedIndexes.length > 0;
    const nodeIndex = assignedNodes(model, up, steady);
    return protectedIndexes.some((r) => (nodeIndex[r] as number) < 0);
  };
  return { model, quorum, steady, unsettled, steadyAmbiguous, protectedDomains, claim, failures, hosts, caseOf, breaks };
}

/**
 * `cib check`'s question about a claim of `failures` hosts: how many of the sets of that many failed hosts leave a
 * protected domain stopped, and the first of them (in the table's order) in full. The same answers as
 * planCib(cib, { failures }).cases, without building the cases of the sets that fit.
 */
export function claimBreaks(cib: Cib, failures: number): { readonly protectedDomains: readonly string[]; readonly sets: number; readonly broken: number; readonly first: FailureCase | undefined } {
  const { protectedDomains, hosts, caseOf, breaks } = planning(cib, { failures });
  let sets = 0;
  let broken = 0;
  let first: FailureCase | undefined;
  if (failures === 0) {
    sets = 1;
    first = caseOf([]);
    broken = first.lost.length > 0 ? 1 : 0;
    if (broken === 0) first = undefined;
  } else {
    for (const failed of combinations(hosts, Math.min(failures, hosts.length))) {
      sets++;
      if (!breaks(failed, false)) continue;
      broken++;
      first ??= caseOf(failed);
    }
  }
  return { protectedDomains, sets, broken, first };
}

export function planCib(cib: Cib, options: PlanOptions = {}): PlanReport {
  const { model, quorum, steady, unsettled, steadyAmbiguous, protectedDomains, claim, failures, hosts, caseOf, breaks: asks } = planning(cib, options);
  const run = (k: number): FailureCase[] => [...combinations(hosts, Math.min(k, hosts.length))].map(caseOf);
  const breaks = (failed: readonly string[]): boolean => asks(failed, failed.length === Math.min(failures, hosts.length));

  const baseline = caseOf([]);
  // Each failure set re-assigns every resource: bound the search by that work, so 1000 domains stay within seconds.
  const maxCases = options.maxCases ?? Math.max(200, Math.min(5000, Math.floor(ASSIGNMENT_BUDGET / Math.max(1, model.resources.length))));
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
        if (breaks(failed)) {
          broken = caseOf(failed);
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
    quorum,
    quorumLimit: quorumLimit(quorum),
    steady,
    steadyAmbiguous,
    unsettled,
    protectedDomains,
    claim: claim !== undefined && Number.isFinite(claim) ? claim : undefined,
    failures,
    cases: failures === 0 ? [baseline] : run(failures),
    tolerated,
  };
}
