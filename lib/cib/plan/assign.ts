import { type Colocation, type Placement, type PlacementModel, type Strategy } from "./placement.ts";
import { addScores, INFINITY } from "../model/scores.ts";

/**
 * A model of how Pacemaker 2.1 assigns primitives to nodes, enough to answer
 * "after these hosts fail, which domains still run?" without a cluster.
 * It follows the scheduler (lib/pacemaker/pcmk_sched_resource.c,
 * pcmk_sched_nodes.c, pcmk_sched_utilization.c, pcmk_sched_primitive.c,
 * pcmk_sched_colocation.c; doc/placement.md):
 *  - unless placement-strategy is default, resources are assigned in order of
 *    priority, then score on their current node (location + stickiness, even
 *    when that node has just failed), then score node by node; these scores
 *    include the primaries' scores through mandatory colocations (negated for
 *    -INFINITY), as cmp_resources merges them; a clone's score is 0 where a
 *    node can run resources and -INFINITY where it cannot, so a domain tied
 *    to its storage clone sorts last when its current host has failed;
 *  - a resource assigns the primaries of its mandatory colocations first, then
 *    is banned from the primary's node (-INFINITY) or from every other node
 *    (+INFINITY, and from all nodes when the primary stays stopped); a primary
 *    takes in its dependents' scores (subtracted for -INFINITY), rolled back
 *    when that leaves it no node;
 *  - nodes without the remaining capacity a resource (and the unassigned
 *    resources +INFINITY-colocated with it) needs are banned for it;
 *  - the best node is the highest score, then (balanced) more free capacity,
 *    then fewer resources, then the current node, then the name; with two or
 *    more capacity attributes "more free capacity" is a vote that need not be
 *    transitive, and then the winner depends on the order the scheduler's
 *    merge sort sees the nodes in: such choices are reported (`ambiguous`);
 *  - a resource whose best node scores below 0 stays stopped.
 * What it does not model is listed in the model's `ignored` (placement.ts).
 *
 * Speed (a planner assigns once per failure set, thousands of times): what
 * does not depend on the failure set is prepared once per model (indexes,
 * colocation lists, scores as arrays); a resource with no colocation whose
 * current node is up, still has room and scores strictly above every other
 * node is placed there without comparing nodes, which is what the scheduler
 * decides for it; and resources whose sort keys cannot change between
 * failure sets are sorted as classes, not one by one.
 */

/** Where resources stopped by anti-colocations would have fitted: the primaries holding those hosts. */
export type KeptApart = ReadonlyMap<string, readonly string[]>;

const UNSET = -2;
const STOPPED = -1;

interface Prepared {
  readonly model: PlacementModel;
  readonly n: number;
  readonly nodeIndex: ReadonlyMap<string, number>;
  readonly nameRank: Int32Array;
  readonly keyCount: number;
  /** Node capacity by node * keyCount + key. */
  readonly capacity: Float64Array;
  readonly resourceIndex: ReadonlyMap<string, number>;
  /** Location scores by resource * n + node, before stickiness (-INFINITY where an opt-in cluster allows nothing). */
  readonly location: Float64Array;
  /** Each resource's utilization as [key, amount] pairs (only the attributes it declares). */
  readonly utilization: readonly (readonly (readonly [number, number])[])[];
  /** The same flat, for the hot paths: resource r's pairs are at utilStart[r] .. utilStart[r + 1] - 1. */
  readonly utilStart: Int32Array;
  readonly utilKey: Int32Array;
  readonly utilAmount: Float64Array;
  /**
   * The same dense, by resource * keyCount + key (0 where not declared), for fitsOwn's hot loop; undefined when a
   * capacity or an amount is negative. Otherwise free capacity never goes below 0 (a resource is placed only where it
   * fits), so an undeclared attribute's 0 always fits, as it does when the attribute is not looked at.
   */
  readonly need: Float64Array | undefined;
  /** Mandatory colocations where the resource is the dependent / the primary, in Pacemaker's order. */
  readonly thisWith: readonly (readonly Colocation[])[];
  readonly withThis: readonly (readonly Colocation[])[];
  /** The other side's resource index for each entry of thisWith / withThis (-1: not a placed resource). */
  readonly thisWithIndex: readonly Int32Array[];
  readonly withThisIndex: readonly Int32Array[];
  /** The resource and those tied to it by +INFINITY colocations (pcmk__colocated_resources). */
  readonly chain: readonly (readonly number[])[];
  readonly withClone: readonly boolean[];
  /** 1 for resources stopped on purpose; 1 for those with a +INFINITY chain (chain longer than itself). */
  readonly disabled: Uint8Array;
  readonly chained: Uint8Array;
  /** 1 for resources without colocations (either side), chain or disabled flag: assignOne's short path. */
  readonly plain: Uint8Array;
  /**
   * 1 where no cycle is reachable through the resource's primaries (thisWith, transitively): then each of them is
   * placed before it, and no walk reads its working scores once it is placed, so its capacity test may stop at the
   * best nodes that fit (assignOne) without changing anything another resource sees.
   */
  readonly acyclic: Uint8Array;
  /** Resources whose sort scores merge other resources' (those with colocations where they are the dependent). */
  readonly dynamic: readonly number[];
  /** What depends only on where resources run now, per current placement. */
  readonly byCurrent: WeakMap<Placement, FromCurrent>;
  /** Buffers one assignment reuses instead of allocating (assignments never overlap: they are synchronous). */
  readonly scratch: Scratch;
}

/** Per-assignment working memory, allocated once per model. */
interface Scratch {
  /** Each resource's working scores (a view of one block), valid for the assignment whose number is in `stamp`. */
  readonly rows: readonly Float64Array[];
  readonly stamp: Int32Array;
  generation: number;
  /** Sort items of the resources in `dynamic`, by their position there, refilled for each assignment. */
  readonly dynamicItems: readonly { members: readonly number[]; priority: number; here: number; weights: Float64Array }[];
  /**
   * For each of them, the hosts-up mask its weights were last filled for from its prepared MergedScores (-1: filled
   * some other way), valid for the FromCurrent in `dynamicOwner`: the next fill rewrites only the nodes that changed.
   */
  readonly dynamicMask: Int32Array;
  dynamicOwner: FromCurrent | undefined;
  readonly placement: Int32Array;
  readonly free: Float64Array;
  readonly assigned: Int32Array;
  readonly available: Uint8Array;
  readonly merging: Uint8Array;
  readonly assigning: Uint8Array;
  /** bestNode's tie-break key per node (assigned, then running, then name), filled for the tied nodes only. */
  readonly tieKey: Float64Array;
  /** bestNode's tied nodes in index order, and for each node index how many of them come before it. */
  readonly tiedList: Int32Array;
  readonly tiedBefore: Int32Array;
  /** addColocated's copy of the scores for a rollback, one per recursion depth. */
  readonly saved: Float64Array[];
  /** The assignment order, one slot per resource (assignmentOrder returns a view of its start). */
  readonly order: Int32Array;
  /** assignedNodes' result, by resource: valid until the next assignment. */
  readonly nodeIndex: Int32Array;
}

/** `count` rows of `n` numbers as views of one block (one allocation, not `count`). */
const rowsOf = (count: number, n: number): Float64Array[] => {
  const block = new Float64Array(count * n);
  return Array.from({ length: count }, (_, i) => block.subarray(i * n, (i + 1) * n));
};

/** Resources that sort together: same priority, score where they run, and score on every node. */
interface SortItem {
  readonly members: readonly number[];
  readonly priority: number;
  readonly here: number;
  /** By node index. */
  readonly weights: Float64Array;
}

/** A class's sort item with its weights (own row) masked for the hosts up, refilled per assignment. */
interface MaskItem extends SortItem {
  here: number;
  readonly source: SortClass;
}

/** A class of resources with fixed sort keys; those tied to a clone score -INFINITY where a node is down. */
interface SortClass extends SortItem {
  readonly members: number[];
  readonly current: number;
  readonly masked: boolean;
}

interface FromCurrent {
  /** Each resource's current node index (-1: stopped). */
  readonly currentOf: Int32Array;
  /** 1 where the current placement has no node for the resource (a dependent may then pull it: see hasInfluence). */
  readonly notRunning: Uint8Array;
  /** Whether a resource with no colocation scores higher on its current node than on any other. */
  readonly favourite: Uint8Array;
  /** The resources without colocations, grouped by equal sort keys. */
  readonly classes: readonly SortClass[];
  /** Each resource's base scores (baseScore by node), the rows its working scores start from. */
  readonly baseRows: readonly Float64Array[];
  /** For each class in `classes`, the item it sorts as: itself, or (tied to a clone) a copy whose weights are masked per assignment. */
  readonly maskItems: readonly MaskItem[];
  /**
   * The sort items (maskItems, then the dynamic resources' items), kept in the order the last assignment sorted them
   * into: the next sort starts from a nearly sorted array (the order changes little between failure sets). The order
   * comes out the same from any start: equal items are put in resource order after the sort.
   */
  readonly items: SortItem[];
  /** For each resource in `dynamic`, its sort scores prepared for any set of hosts up (undefined: compute them each time). */
  readonly merged: readonly (MergedScores | undefined)[];
  /** For each resource, its node indexes by base score, best first (ties in node order), at resource * n: assignPlain's scan. */
  readonly byScore: Int32Array;
  /** The hosts-up mask the masked items' weights were last filled for (-1: not yet, or too many nodes for a mask). */
  maskFilled: number;
}

/**
 * A dynamic resource's sort scores (addColocated from the top, primaries'
 * side) depend on which hosts are up in two ways: node by node (a host that
 * is down scores -INFINITY or is skipped), and through the checks "is some
 * host up with a score >= 0?" that decide, at each resource visited, whether
 * its primaries are visited too or its contribution is rolled back. When
 * every such check passes, which resources are visited and in which order
 * does not depend on the hosts up, so each node's score is one of two
 * numbers, prepared once: `up` where the node is up, `down` where it is not.
 * `gates` holds, per visit, the nodes (as bits) that pass its check; when a
 * set of hosts up misses one of them, the scores are computed the slow way.
 */
interface MergedScores {
  readonly up: Float64Array;
  readonly down: Float64Array;
  readonly gates: Int32Array;
}

/** Beyond these, MergedScores are not prepared: node sets as 31-bit masks, and a bound on visits (they grow with paths through cliques). */
const MASK_NODES = 31;
const MAX_VISITS = 4096;

function mergedScores(p: Prepared, baseRows: readonly Float64Array[], r: number): MergedScores | undefined {
  const n = p.n;
  if (n > MASK_NODES) return undefined;
  const up = Float64Array.from(baseRows[r] as Float64Array);
  const down = Float64Array.from(up);
  const gates: number[] = [];
  const merging = new Set<number>();
  // The same walk as addColocated(r, work, 1, true, 0, true), for a node that is up and one that is down, assuming every check passes.
  const visit = (source: number, factor: number, top: boolean): boolean => {
    if (merging.has(source)) return true;
    if (gates.length >= MAX_VISITS) return false;
    merging.add(source);
    const own = baseRows[source] as Float64Array;
    if (!top) {
      for (let node = 0; node < n; node++) {
        const score = own[node] as number;
        if (!(factor < 0 && score < 0)) up[node] = addScores(factor * score, up[node] as number);
        if (factor > 0) down[node] = -INFINITY;
      }
    }
    if (factor > 0 && p.withClone[source]) down.fill(-INFINITY);
    let gate = 0;
    for (let node = 0; node < n; node++) if ((up[node] as number) >= 0) gate |= 1 << node;
    gates.push(gate);
    const list = p.thisWith[source] ?? [];
    const others = p.thisWithIndex[source] as Int32Array;
    for (let i = 0; i < list.length; i++) {
      const other = others[i] as number;
      if (other >= 0 && !visit(other, factor * Math.sign((list[i] as Colocation).score), false)) return false;
    }
    merging.delete(source);
    return true;
  };
  return visit(r, 1, true) ? { up, down, gates: Int32Array.from(gates) } : undefined;
}

/** The resource's score on a node before capacity: locations plus stickiness where it runs. */
function baseScore(p: Prepared, currentOf: Int32Array, r: number, node: number): number {
  const score = p.location[r * p.n + node] as number;
  const stickiness = p.model.resources[r]?.stickiness ?? 0;
  return node === currentOf[r] && stickiness > 0 ? addScores(score, stickiness) : score;
}

function fromCurrent(p: Prepared, current: Placement): FromCurrent {
  const cached = p.byCurrent.get(current);
  if (cached) return cached;
  const currentOf = Int32Array.from(p.model.resources, (r) => {
    const node = current.get(r.id);
    return node === undefined ? -1 : (p.nodeIndex.get(node) ?? -1);
  });
  const baseRows = rowsOf(p.model.resources.length, p.n);
  baseRows.forEach((row, r) => {
    for (let node = 0; node < p.n; node++) row[node] = baseScore(p, currentOf, r, node);
  });
  const favourite = Uint8Array.from(p.model.resources, (rsc, r) => {
    const here = currentOf[r] as number;
    if (here < 0 || rsc.disabled || (p.thisWith[r]?.length ?? 0) > 0 || (p.withThis[r]?.length ?? 0) > 0 || (p.chain[r]?.length ?? 0) > 1) return 0;
    const row = baseRows[r] as Float64Array;
    const top = row[here] as number;
    if (top < 0) return 0;
    for (let node = 0; node < p.n; node++) if (node !== here && (row[node] as number) >= top) return 0;
    return 1;
  });
  const classes = staticClasses(p, currentOf, baseRows);
  const notRunning = Uint8Array.from(p.model.resources, (r) => (current.get(r.id) === undefined ? 1 : 0));
  const merged = p.dynamic.map((r) => mergedScores(p, baseRows, r));
  const maskRows = rowsOf(classes.length, p.n);
  const maskItems = classes.map((c, i): MaskItem => ({ members: c.members, priority: c.priority, here: c.here, weights: c.masked ? (maskRows[i] as Float64Array) : c.weights, source: c }));
  const items: SortItem[] = [...maskItems, ...p.scratch.dynamicItems];
  const byScore = new Int32Array(p.model.resources.length * p.n);
  // Each row's nodes by score, best first, ties in node order: an insertion sort in place (rows are a few nodes long).
  baseRows.forEach((row, r) => {
    const from = r * p.n;
    for (let node = 0; node < p.n; node++) {
      const score = row[node] as number;
      let at = from + node;
      for (; at > from && (row[byScore[at - 1] as number] as number) < score; at--) byScore[at] = byScore[at - 1] as number;
      byScore[at] = node;
    }
  });
  const result = { currentOf, notRunning, favourite, classes, baseRows, maskItems, items, merged, byScore, maskFilled: -1 };
  p.byCurrent.set(current, result);
  return result;
}

/** The resources without colocations, grouped by equal sort keys, each group in resource order. */
function staticClasses(p: Prepared, currentOf: Int32Array, baseRows: readonly Float64Array[]): readonly SortClass[] {
  const dynamic = new Set(p.dynamic);
  const groups = new Map<string, SortClass>();
  p.model.resources.forEach((rsc, r) => {
    if (dynamic.has(r)) return;
    // The base row itself: a class's weights are only read (a masked class sorts by a copy, maskItems).
    const weights = baseRows[r] as Float64Array;
    const here = currentOf[r] as number;
    const masked = p.withClone[r] === true;
    const item = { members: [r], priority: rsc.priority, here: here < 0 ? -INFINITY : (weights[here] as number), weights, current: here, masked };
    const key = `${item.priority} ${item.here} ${masked ? `${here}` : "-"} ${weights.join(" ")}`;
    const group = groups.get(key);
    if (group) group.members.push(r);
    else groups.set(key, item);
  });
  return [...groups.values()];
}

const denseNeed = (utilization: readonly (readonly (readonly [number, number])[])[], k: number): Float64Array => {
  const need = new Float64Array(utilization.length * k);
  utilization.forEach((pairs, r) => pairs.forEach(([key, amount]) => (need[r * k + key] = amount)));
  return need;
};

/** For each resource, 1 when no directed cycle is reachable from it through its primaries (see Prepared.acyclic). */
function acyclicPrimaries(primaries: readonly Int32Array[]): Uint8Array {
  // 0: unvisited, 1: on the current path, 2: done and acyclic, 3: done, reaches a cycle.
  const state = new Uint8Array(primaries.length);
  const visit = (r: number): boolean => {
    if (state[r] === 1) return false;
    if (state[r] !== 0) return state[r] === 2;
    state[r] = 1;
    let acyclic = true;
    for (const other of primaries[r] ?? []) if (other >= 0 && !visit(other)) acyclic = false;
    state[r] = acyclic ? 2 : 3;
    return acyclic;
  };
  return Uint8Array.from(primaries, (_, r) => (visit(r) ? 1 : 0));
}

const prepared = new WeakMap<PlacementModel, Prepared>();

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function prepare(model: PlacementModel): Prepared {
  const cached = prepared.get(model);
  if (cached) return cached;
  const n = model.nodes.length;
  const nodeIndex = new Map(model.nodes.map((name, i) => [name, i]));
  const names = [...model.nodes].sort(byName);
  const nameRank = Int32Array.from(model.nodes, (name) => names.indexOf(name));
  const keys = [...new Set([...[...model.capacity.values()].flatMap((c) => Object.keys(c)), ...model.resources.flatMap((r) => Object.keys(r.utilization))])];
  const keyIndex = new Map(keys.map((k, i) => [k, i]));
  const capacity = new Float64Array(n * keys.length);
  model.nodes.forEach((name, i) => {
    for (const [key, amount] of Object.entries(model.capacity.get(name) ?? {})) capacity[i * keys.length + (keyIndex.get(key) ?? 0)] = amount;
  });
  const resourceIndex = new Map(model.resources.map((r, i) => [r.id, i]));
  const location = new Float64Array(model.resources.length * n);
  model.resources.forEach((r, i) => {
    model.nodes.forEach((node, j) => {
      const score = r.scores.get(node);
      location[i * n + j] = score === undefined ? (model.symmetric ? 0 : -INFINITY) : score;
    });
  });
  // Pacemaker keeps each resource's colocation lists sorted by the other side's priority, then id.
  const priorityOf = (id: string): number => model.resources[resourceIndex.get(id) ?? -1]?.priority ?? 0;
  const priorityThenId = (a: string, b: string): number => priorityOf(b) - priorityOf(a) || byName(a, b);
  // Grouped in one pass, each group in the model's order (as a filter per resource would give), then sorted stably.
  const byDependent = new Map<string, Colocation[]>();
  const byPrimary = new Map<string, Colocation[]>();
  for (const c of model.colocations) {
    byDependent.set(c.dependent, [...(byDependent.get(c.dependent) ?? []), c]);
    byPrimary.set(c.primary, [...(byPrimary.get(c.primary) ?? []), c]);
  }
  const thisWith = model.resources.map((r) => [...(byDependent.get(r.id) ?? [])].sort((a, b) => priorityThenId(a.primary, b.primary)));
  const withThis = model.resources.map((r) => [...(byPrimary.get(r.id) ?? [])].sort((a, b) => priorityThenId(a.dependent, b.dependent)));
  const chainOf = (origin: number): number[] => {
    const chain = new Set<number>();
    const visit = (i: number): void => {
      if (chain.has(i)) return;
      chain.add(i);
      for (const c of thisWith[i] ?? []) if (c.score >= INFINITY && resourceIndex.get(c.primary) !== origin) visitId(c.primary);
      for (const c of withThis[i] ?? []) if (c.score >= INFINITY) visitId(c.dependent);
    };
    const visitId = (id: string): void => {
      const i = resourceIndex.get(id);
      if (i !== undefined) visit(i);
    };
    visit(origin);
    return [...chain];
  };
  const dynamic = model.resources.flatMap((_, i) => ((thisWith[i]?.length ?? 0) > 0 ? [i] : []));
  const count = model.resources.length;
  const utilization = model.resources.map((r) => Object.entries(r.utilization).map(([key, amount]) => [keyIndex.get(key) ?? 0, amount] as const));
  const utilStart = new Int32Array(count + 1);
  utilization.forEach((pairs, r) => (utilStart[r + 1] = (utilStart[r] as number) + pairs.length));
  const flat = utilization.flat();
  const indexes = (ids: readonly string[]): Int32Array => Int32Array.from(ids, (id) => resourceIndex.get(id) ?? -1);
  const result: Prepared = {
    model,
    n,
    nodeIndex,
    nameRank,
    keyCount: keys.length,
    capacity,
    resourceIndex,
    location,
    utilization,
    utilStart,
    utilKey: Int32Array.from(flat, ([key]) => key),
    utilAmount: Float64Array.from(flat, ([, amount]) => amount),
    need: capacity.some((c) => c < 0) || flat.some(([, amount]) => amount < 0) ? undefined : denseNeed(utilization, keys.length),
    thisWith,
    withThis,
    thisWithIndex: thisWith.map((list) => indexes(list.map((c) => c.primary))),
    withThisIndex: withThis.map((list) => indexes(list.map((c) => c.dependent))),
    chain: model.resources.map((_, i) => chainOf(i)),
    withClone: model.resources.map((r) => model.withClones.has(r.id)),
    disabled: Uint8Array.from(model.resources, (r) => (r.disabled ? 1 : 0)),
    chained: new Uint8Array(count),
    plain: new Uint8Array(count),
    acyclic: acyclicPrimaries(thisWith.map((list) => indexes(list.map((c) => c.primary)))),
    dynamic,
    byCurrent: new WeakMap(),
    scratch: {
      rows: rowsOf(count, n),
      stamp: new Int32Array(count),
      generation: 0,
      dynamicItems: rowsOf(dynamic.length, n).map((weights, i) => {
        const r = dynamic[i] as number;
        return { members: [r], priority: model.resources[r]?.priority ?? 0, here: 0, weights };
      }),
      dynamicMask: new Int32Array(dynamic.length).fill(-1),
      dynamicOwner: undefined,
      placement: new Int32Array(count),
      free: new Float64Array(capacity.length),
      assigned: new Int32Array(n),
      available: new Uint8Array(n),
      merging: new Uint8Array(count),
      assigning: new Uint8Array(count),
      tieKey: new Float64Array(n),
      tiedList: new Int32Array(n),
      tiedBefore: new Int32Array(n + 1),
      saved: [],
      order: new Int32Array(count),
      nodeIndex: new Int32Array(count),
    },
  };
  result.chain.forEach((members, r) => (result.chained[r] = members.length > 1 ? 1 : 0));
  model.resources.forEach((rsc, r) => {
    const alone = (thisWith[r]?.length ?? 0) === 0 && (withThis[r]?.length ?? 0) === 0;
    result.plain[r] = alone && result.chained[r] === 0 && !rsc.disabled ? 1 : 0;
  });
  prepared.set(model, result);
  return result;
}

export interface AssignResult {
  /** Built when first read: planners that only count outcomes read `nodeIndex`. */
  readonly placement: Placement;
  /** By resource (the model's order): the index in model.nodes of its node, -1 when it is stopped or disabled. */
  readonly nodeIndex: Int32Array;
  readonly keptApart: KeptApart;
  /** Resources whose node was chosen among nodes the capacity vote cannot order (see the module comment). */
  readonly ambiguous: readonly string[];
}

export interface AssignOptions {
  /** The tests' slow path: every allowed node's capacity tested in assignOne, as the scheduler does, instead of only the best ones. */
  readonly slow?: boolean;
}

/**
 * Where each resource runs after the assignment, as AssignResult.nodeIndex, for callers that only count outcomes
 * (the tolerance search, the check's claimed sets): the choices are the same, but the ambiguous ones and the
 * kept-apart domains are not worked out, and the array is a buffer the next assignment of the model overwrites.
 */
export function assignedNodes(model: PlacementModel, up: ReadonlySet<string>, current: Placement): Int32Array {
  return assignWith(model, up, current, false, false).nodeIndex;
}

/**
 * Assigns every resource given the hosts that are up and where resources ran
 * before (a failed host still counts as "current" for ordering, as in Pacemaker).
 */
export function assign(model: PlacementModel, up: ReadonlySet<string>, current: Placement): Placement {
  return assignExplained(model, up, current).placement;
}

/** `assign`, with the domains left stopped by anti-colocations (for each, the primaries holding hosts it could have had) and the ambiguous choices. */
export function assignExplained(model: PlacementModel, up: ReadonlySet<string>, current: Placement, options: AssignOptions = {}): AssignResult {
  return assignWith(model, up, current, options.slow === true, true);
}

/** `explain`: work out the ambiguous choices and kept-apart domains, and return a nodeIndex of its own. */
function assignWith(model: PlacementModel, up: ReadonlySet<string>, current: Placement, slow: boolean, explain: boolean): AssignResult {
  const p = prepare(model);
  const { n, keyCount: k, thisWith, withThis, thisWithIndex, withThisIndex, utilStart, utilKey, utilAmount } = p;
  const resources = model.resources;
  const strategy: Strategy = model.strategy;
  const usesCapacity = strategy !== "default";
  const scratch = p.scratch;
  const { available, free, assigned, stamp, rows, merging, saved, assigning, tieKey, tiedList, tiedBefore } = scratch;
  model.nodes.forEach((name, i) => {
    available[i] = up.has(name) && !model.standby.includes(name) ? 1 : 0;
  });
  free.set(p.capacity);
  assigned.fill(0);
  merging.fill(0);
  assigning.fill(0);
  const generation = ++scratch.generation;
  const known = fromCurrent(p, current);
  const { currentOf, baseRows, byScore } = known;
  const need = p.need;
  /** resource r's own utilization fits on node. */
  const fitsOwn = (node: number, r: number): boolean => {
    if (need) {
      for (let key = 0, at = node * k, from = r * k; key < k; key++) if ((need[from + key] as number) > (free[at + key] as number)) return false;
      return true;
    }
    for (let i = utilStart[r] as number, end = utilStart[r + 1] as number; i < end; i++) {
      if ((utilAmount[i] as number) > (free[node * k + (utilKey[i] as number)] as number)) return false;
    }
    return true;
  };
  const base = (r: number, node: number): number => baseRows[r]?.[node] as number;
  // Each resource's allowed-node scores, changed by colocations and capacity as it is assigned (set from the base scores when first needed).
  const scoresOf = (r: number): Float64Array => {
    const scores = rows[r] as Float64Array;
    if (stamp[r] !== generation) {
      // A loop, not set(): rows are a few numbers long, and set()'s call costs more than copying them.
      const row = baseRows[r] as Float64Array;
      for (let node = 0; node < n; node++) scores[node] = row[node] as number;
      stamp[r] = generation;
    }
    return scores;
  };
  const anyAvailable = (scores: Float64Array): boolean => {
    for (let node = 0; node < n; node++) if (available[node] && (scores[node] as number) >= 0) return true;
    return false;
  };
  const placement = scratch.placement.fill(UNSET);
  /** Whether a dependent pulls its primary (c, whose primary is resource `primary`): by influence, or when the primary is not running. */
  const hasInfluence = (c: Colocation, primary: number): boolean => c.influence || primary < 0 || known.notRunning[primary] === 1;


  /**
   * pcmk__add_colocated_node_scores for primitives, in place: adds `source`'s
   * scores times `factor` to `work`, then its own colocated resources'; when
   * that leaves no node, `work` is rolled back. `top`: work starts as the
   * source's own scores instead (the sort's view of a resource).
   */
  function addColocated(source: number, work: Float64Array, factor: number, primaries: boolean, depth: number, top: boolean): void {
    if (merging[source]) return;
    merging[source] = 1;
    const own = scoresOf(source);
    const before = (saved[depth] ??= new Float64Array(n));
    for (let node = 0; node < n; node++) before[node] = work[node] as number;
    if (top) for (let node = 0; node < n; node++) work[node] = own[node] as number;
    else {
      for (let node = 0; node < n; node++) {
        // The source's score where that node can run it; a negative one never turns into a preference.
        const score = available[node] ? (own[node] as number) : -INFINITY;
        // Adding 0 leaves a score as it is (scores stay within +-INFINITY), and most rows are 0 on most nodes.
        if (score === 0 || (factor < 0 && score < 0)) continue;
        work[node] = addScores(factor * score, work[node] as number);
      }
    }
    if (primaries && factor > 0 && p.withClone[source]) {
      for (let node = 0; node < n; node++) if (!available[node]) work[node] = -INFINITY;
    }
    if (anyAvailable(work)) {
      const list = (primaries ? thisWith[source] : withThis[source]) ?? [];
      const others = (primaries ? thisWithIndex[source] : withThisIndex[source]) as Int32Array;
      for (let i = 0; i < list.length; i++) {
        const c = list[i] as Colocation;
        const other = others[i] as number;
        if (!primaries && !hasInfluence(c, source)) continue;
        if (other >= 0) addColocated(other, work, factor * Math.sign(c.score), primaries, depth + 1, false);
      }
    } else if (!top) {
      // Rolled back: these scores would leave no node.
      for (let node = 0; node < n; node++) work[node] = before[node] as number;
    }
    merging[source] = 0;
  }

  /** Pacemaker's capacity vote: negative when a has more free capacity in more attributes. */
  const compareCapacity = (a: number, b: number): number => {
    let result = 0;
    for (let key = 0; key < k; key++) {
      const x = free[a * k + key] as number;
      const y = free[b * k + key] as number;
      if (x > y) result--;
      else if (x < y) result++;
    }
    return result;
  };
  /** compare_nodes (pcmk_sched_nodes.c): negative when a is the better node. */
  const compareNodes = (a: number, b: number, weights: Float64Array | undefined, active: number): number => {
    const wa = available[a] ? (weights ? (weights[a] as number) : 0) : -INFINITY;
    const wb = available[b] ? (weights ? (weights[b] as number) : 0) : -INFINITY;
    if (wa !== wb) return wb - wa;
    if (strategy !== "minimal") {
      if (strategy === "balanced") {
        const capacity = compareCapacity(a, b);
        if (capacity !== 0) return capacity;
      }
      if (assigned[a] !== assigned[b]) return (assigned[a] as number) - (assigned[b] as number);
      if (active === a) return -1;
      if (active === b) return 1;
    }
    return (p.nameRank[a] as number) - (p.nameRank[b] as number);
  };
  const allNodes = Array.from({ length: n }, (_, i) => i);

  // The assignment order (sort_rsc_process_order / cmp_resources).
  const order: ArrayLike<number> = usesCapacity ? assignmentOrder() : resources.map((_, i) => i);

  function assignmentOrder(): Int32Array {
    const sortedNodes = [...allNodes].sort((a, b) => compareNodes(a, b, undefined, -1));
    // Resources with colocations or a clone: their sort scores depend on which nodes are up.
    // Each node's score is one of two numbers (up or down), so a refill rewrites only the nodes whose state changed.
    const masks = n <= MASK_NODES;
    let upMask = 0;
    if (masks) for (let node = 0; node < n; node++) if (available[node]) upMask |= 1 << node;
    if (scratch.dynamicOwner !== known) {
      scratch.dynamicMask.fill(-1);
      scratch.dynamicOwner = known;
    }
    for (let i = 0; i < p.dynamic.length; i++) {
      const r = p.dynamic[i] as number;
      const item = scratch.dynamicItems[i] as (typeof scratch.dynamicItems)[number];
      const scores = item.weights;
      const merged = known.merged[i];
      let prepared = merged !== undefined;
      for (let g = 0; prepared && g < (merged?.gates.length ?? 0); g++) prepared = ((merged?.gates[g] as number) & upMask) !== 0;
      if (merged && prepared) {
        const last = scratch.dynamicMask[i] as number;
        if (last < 0) for (let node = 0; node < n; node++) scores[node] = (available[node] ? merged.up[node] : merged.down[node]) as number;
        else {
          for (let bits = last ^ upMask; bits !== 0; bits &= bits - 1) {
            const node = 31 - Math.clz32(bits & -bits);
            scores[node] = (available[node] ? merged.up[node] : merged.down[node]) as number;
          }
        }
        scratch.dynamicMask[i] = upMask;
      } else {
        scores.fill(0);
        addColocated(r, scores, 1, true, 0, true);
        scratch.dynamicMask[i] = -1;
      }
      const here = currentOf[r] as number;
      item.here = here < 0 ? -INFINITY : (scores[here] as number);
    }
    const filled = known.maskFilled;
    const changed = filled < 0 ? -1 : filled ^ upMask;
    if (changed !== 0) {
      for (const item of known.maskItems) {
        const source = item.source;
        if (!source.masked) continue;
        const weights = item.weights;
        if (filled < 0) for (let node = 0; node < n; node++) weights[node] = available[node] ? (source.weights[node] as number) : -INFINITY;
        else {
          for (let bits = changed; bits !== 0; bits &= bits - 1) {
            const node = 31 - Math.clz32(bits & -bits);
            weights[node] = available[node] ? (source.weights[node] as number) : -INFINITY;
          }
        }
        item.here = source.current < 0 ? -INFINITY : (weights[source.current] as number);
      }
      known.maskFilled = masks ? upMask : -1;
    }
    const items = known.items;
    const compare = (a: SortItem, b: SortItem): number => {
      if (a.priority !== b.priority) return b.priority - a.priority;
      if (a.here !== b.here) return b.here - a.here;
      for (let i = 0; i < n; i++) {
        const node = sortedNodes[i] as number;
        const diff = (b.weights[node] as number) - (a.weights[node] as number);
        if (diff !== 0) return diff;
      }
      return 0;
    };
    items.sort(compare);
    // Items that compare equal keep the resources' own order between them (the scheduler's sort is stable):
    // resource indexes are distinct, so a typed array's numeric sort of the run puts them in that order.
    const order = scratch.order;
    let length = 0;
    for (let i = 0; i < items.length; ) {
      const from = length;
      let j = i;
      do {
        const members = (items[j] as SortItem).members;
        for (let m = 0; m < members.length; m++) order[length++] = members[m] as number;
        j++;
      } while (j < items.length && compare(items[i] as SortItem, items[j] as SortItem) === 0);
      // One item's members are in resource order already (a class lists them so): only runs of several items are
      // sorted, short ones (most are) by insertion, without a view per run, longer ones by the typed array's sort.
      if (j - i > 1 && length - from > 8) order.subarray(from, length).sort();
      else if (j - i > 1) {
        for (let a = from + 1; a < length; a++) {
          const value = order[a] as number;
          let b = a - 1;
          for (; b >= from && (order[b] as number) > value; b--) order[b + 1] = order[b] as number;
          order[b + 1] = value;
        }
      }
      i = j;
    }
    return order.subarray(0, length);
  }

  const fits = (node: number, need: readonly (readonly [number, number])[]): boolean => {
    for (let i = 0; i < need.length; i++) {
      const entry = need[i] as readonly [number, number];
      if (entry[1] > (free[node * k + entry[0]] as number)) return false;
    }
    return true;
  };
  const ambiguous: string[] = [];
  const keptApart = new Map<string, string[]>();

  /** compareNodes for two nodes with the same weight, after bestNode filled tieKey for them. */
  const compareTied = (a: number, b: number): number => {
    if (strategy === "balanced") {
      const capacity = compareCapacity(a, b);
      if (capacity !== 0) return capacity;
    }
    return (tieKey[a] as number) - (tieKey[b] as number);
  };
  /**
   * The first of nodes [from, to) as GLib's g_list_sort orders them with compareNodes (the scheduler sorts
   * nodes with it): a top-down merge sort, the first half floor(n/2) long, ties to the left, whose first is
   * the merge tree's winner. The tied nodes share the best score: a node scoring less loses every comparison with a
   * tied one, so a subtree holding a tied node is won by a tied node and the same pairs of tied nodes meet
   * as in the full merge; only they are compared, and a range with one tied node is won by it.
   * -1: no tied node in [from, to). bestNode fills tiedList and tiedBefore first.
   */
  function tiedFirst(from: number, to: number): number {
    const before = tiedBefore[from] as number;
    const count = (tiedBefore[to] as number) - before;
    if (count <= 1) return count === 1 ? (tiedList[before] as number) : -1;
    const middle = from + Math.floor((to - from) / 2);
    const left = tiedFirst(from, middle);
    const right = tiedFirst(middle, to);
    if (left < 0) return right;
    if (right < 0) return left;
    return compareTied(left, right) <= 0 ? left : right;
  }

  /** The node the scheduler chooses among allowed ones, or -1 when the best scores below 0. */
  function bestNode(r: number, scores: Float64Array): number {
    let top = -INFINITY;
    let first = -1;
    let tied = 0;
    for (let node = 0; node < n; node++) {
      if (!available[node]) continue;
      const w = scores[node] as number;
      if (first < 0 || w > top) {
        top = w;
        first = node;
        tied = 1;
      } else if (w === top) tied++;
    }
    if (first < 0 || top < 0) return -1;
    return tied === 1 ? first : bestTied(r, scores, top);
  }

  /** bestNode when two or more allowed nodes share the best score `top` (>= 0). */
  function bestTied(r: number, scores: Float64Array, top: number): number {
    let count = 0;
    for (let node = 0; node < n; node++) if (available[node] && scores[node] === top) tiedList[count++] = node;
    return chooseTied(r, count, top);
  }

  /** bestTied's choice among the `count` nodes in tiedList (in node order), those sharing the best score `top`. */
  function chooseTied(r: number, count: number, top: number): number {
    const running = currentOf[r] as number;
    // Among nodes as good as the first (same score), the one it runs on.
    if (top > 0 && running >= 0) for (let i = 0; i < count; i++) if (tiedList[i] === running) return running;
    // compareNodes among the tied nodes (same score, so the weights are equal): the capacity vote, then one key for the rest.
    for (let i = 0, node = 0; node < n; node++) {
      tiedBefore[node] = i;
      if (i === count || tiedList[i] !== node) continue;
      const rank = p.nameRank[node] as number;
      tieKey[node] = strategy === "minimal" ? rank : ((assigned[node] as number) * 2 + (node === running ? 0 : 1)) * n + rank;
      i++;
    }
    tiedBefore[n] = count;
    const first = tiedFirst(0, n);
    // A merge sort's first is certain only when it beats every other node; otherwise the order the scheduler lists them in decides.
    // Nodes with a lower score lose to it on the score, so only the tied ones can beat it.
    if (explain && strategy === "balanced" && k > 1) {
      for (let i = 0; i < count; i++) {
        const other = tiedList[i] as number;
        if (other !== first && compareTied(first, other) > 0) {
          ambiguous.push(resources[r]?.id ?? "");
          break;
        }
      }
    }
    return first;
  }

  /**
   * The capacity filter for the nodes that can win: those sharing the best score among the allowed nodes left are
   * tested, the ones without room banned, until one has room or none is left. bestNode then chooses among the nodes
   * sharing that score, all tested, as it would after testing every node: a lower one could only lose.
   */
  function bestThatFit(r: number, scores: Float64Array): void {
    for (;;) {
      let top = -1;
      for (let node = 0; node < n; node++) {
        const score = scores[node] as number;
        if (available[node] === 1 && score >= 0 && score > top) top = score;
      }
      if (top < 0) return;
      let room = false;
      for (let node = 0; node < n; node++) {
        if (available[node] !== 1 || scores[node] !== top) continue;
        if (fitsOwn(node, r)) room = true;
        else scores[node] = -INFINITY;
      }
      if (room) return;
    }
  }

  /** A resource with no colocation: its current node when that is still the strict favourite and has room. */
  const stays = (r: number): boolean => {
    const here = currentOf[r] as number;
    return known.favourite[r] === 1 && available[here] === 1 && (!usesCapacity || fitsOwn(here, r));
  };

  function place(r: number, node: number): void {
    placement[r] = node;
    assigned[node] = (assigned[node] as number) + 1;
    if (!usesCapacity) return;
    for (let i = utilStart[r] as number, end = utilStart[r + 1] as number; i < end; i++) {
      const at = node * k + (utilKey[i] as number);
      free[at] = (free[at] as number) - (utilAmount[i] as number);
    }
  }

  /**
   * assignOne for a resource without colocations, chain or disabled flag (no other resource reads its scores):
   * the capacity filter and bestNode's first pass in one scan of the nodes, best base score first. The best score
   * and how many allowed nodes share it do not depend on the scan's order, and once a node scores below the best
   * so far, so does every later one: the scan stops there, and their capacity is never tested. The nodes sharing
   * the best score come in node order (byScore lists equal scores so), which is the list chooseTied takes; the
   * working row is not written, as nothing reads it.
   */
  function assignPlain(r: number): void {
    const row = baseRows[r] as Float64Array;
    let top = -INFINITY;
    let first = -1;
    let tied = 0;
    for (let i = r * n, end = i + n; i < end; i++) {
      const node = byScore[i] as number;
      if (available[node] !== 1) continue;
      let w = row[node] as number;
      if (first >= 0 && w < top) break;
      if (usesCapacity && w >= 0 && !fitsOwn(node, r)) w = -INFINITY;
      if (first < 0 || w > top) {
        top = w;
        first = node;
        tied = 0;
        tiedList[tied++] = node;
      } else if (w === top) tiedList[tied++] = node;
    }
    const chosen = first < 0 || top < 0 ? -1 : tied === 1 ? first : chooseTied(r, tied, top);
    if (chosen >= 0) place(r, chosen);
    else placement[r] = STOPPED;
  }

  function assignOne(r: number): void {
    if (placement[r] !== UNSET || assigning[r]) return;
    if (stays(r)) return place(r, currentOf[r] as number);
    if (p.plain[r]) return assignPlain(r);
    assigning[r] = 1;
    // Scores change only in the resource's own assignment: until here they are its base scores.
    const scores = scoresOf(r);
    const primaries = thisWith[r] ?? [];
    for (let i = 0; i < primaries.length; i++) {
      const c = primaries[i] as Colocation;
      const primary = thisWithIndex[r]?.[i] as number;
      if (primary >= 0) assignOne(primary);
      const where = primary < 0 ? STOPPED : (placement[primary] as number);
      // -INFINITY: banned from the primary's node only; +INFINITY: from every other node (all of them when it is stopped).
      if (c.score < 0) {
        if (where >= 0) scores[where] = -INFINITY;
      } else if (c.score > 0) {
        for (let node = 0; node < n; node++) if (node !== where) scores[node] = -INFINITY;
      }
    }
    const dependents = withThis[r] ?? [];
    for (let i = 0; i < dependents.length; i++) {
      const c = dependents[i] as Colocation;
      const dependent = withThisIndex[r]?.[i] as number;
      if (!hasInfluence(c, r) || dependent < 0) continue;
      addColocated(dependent, scores, Math.sign(c.score), false, 0, false);
    }
    if (p.disabled[r]) scores.fill(-INFINITY);
    if (usesCapacity) {
      const own = p.utilization[r] ?? [];
      let need = own;
      if (p.chained[r]) {
        const sum = new Map<number, number>();
        for (const member of p.chain[r] ?? []) {
          if (member !== r && placement[member] !== UNSET) continue;
          for (const [key, amount] of p.utilization[member] ?? []) sum.set(key, (sum.get(key) ?? 0) + amount);
        }
        need = [...sum];
      }
      const usable = (node: number): boolean => available[node] === 1 && (scores[node] as number) >= 0;
      if (need === own && p.acyclic[r] === 1 && !slow) bestThatFit(r, scores);
      else if (need === own) {
        for (let node = 0; node < n; node++) if (available[node] === 1 && (scores[node] as number) >= 0 && !fitsOwn(node, r)) scores[node] = -INFINITY;
      } else {
        const limit = allNodes.some((node) => usable(node) && fits(node, need)) ? need : own;
        for (let node = 0; node < n; node++) if (usable(node) && !fits(node, limit)) scores[node] = -INFINITY;
      }
    }
    const chosen = bestNode(r, scores);
    assigning[r] = 0;
    if (chosen >= 0) return place(r, chosen);
    placement[r] = STOPPED;
    if (!explain) return;
    // Hosts it could have had (allowed, with room) but for a primary it must stay apart from.
    const holders = primaries.filter((c, i) => {
      const where = placement[thisWithIndex[r]?.[i] ?? -1] ?? STOPPED;
      return c.score < 0 && where >= 0 && available[where] && base(r, where) >= 0 && (!usesCapacity || fitsOwn(where, r));
    });
    if (holders.length > 0) keptApart.set(resources[r]?.id ?? "", holders.map((c) => c.primary));
  }

  for (let i = 0; i < order.length; i++) assignOne(order[i] as number);
  const nodeIndex = explain ? new Int32Array(resources.length) : scratch.nodeIndex;
  for (let r = 0; r < resources.length; r++) nodeIndex[r] = (placement[r] as number) >= 0 && p.disabled[r] === 0 ? (placement[r] as number) : -1;
  let built: Placement | undefined;
  const toMap = (): Placement => {
    const result = new Map<string, string | undefined>();
    resources.forEach((rsc, r) => {
      if (rsc.disabled) return;
      const node = nodeIndex[r] as number;
      result.set(rsc.id, node >= 0 ? model.nodes[node] : undefined);
    });
    return result;
  };
  return {
    get placement() {
      return (built ??= toMap());
    },
    nodeIndex,
    keptApart,
    ambiguous,
  };
}
