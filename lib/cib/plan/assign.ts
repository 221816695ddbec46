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
  /** Mandatory colocations where the resource is the dependent / the primary, in Pacemaker's order. */
  readonly thisWith: readonly (readonly Colocation[])[];
  readonly withThis: readonly (readonly Colocation[])[];
  /** The resource and those tied to it by +INFINITY colocations (pcmk__colocated_resources). */
  readonly chain: readonly (readonly number[])[];
  readonly withClone: readonly boolean[];
  /** Resources whose sort scores merge other resources' (those with colocations where they are the dependent). */
  readonly dynamic: readonly number[];
  /** What depends only on where resources run now, per current placement. */
  readonly byCurrent: WeakMap<Placement, FromCurrent>;
}

/** Resources that sort together: same priority, score where they run, and score on every node. */
interface SortItem {
  readonly members: readonly number[];
  readonly priority: number;
  readonly here: number;
  /** By node index. */
  readonly weights: Float64Array;
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
  /** Whether a resource with no colocation scores higher on its current node than on any other. */
  readonly favourite: Uint8Array;
  /** The resources without colocations, grouped by equal sort keys. */
  readonly classes: readonly SortClass[];
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
  const base = (r: number, node: number): number => baseScore(p, currentOf, r, node);
  const favourite = Uint8Array.from(p.model.resources, (rsc, r) => {
    const here = currentOf[r] as number;
    if (here < 0 || rsc.disabled || (p.thisWith[r]?.length ?? 0) > 0 || (p.withThis[r]?.length ?? 0) > 0 || (p.chain[r]?.length ?? 0) > 1) return 0;
    const top = base(r, here);
    if (top < 0) return 0;
    for (let node = 0; node < p.n; node++) if (node !== here && base(r, node) >= top) return 0;
    return 1;
  });
  const result = { currentOf, favourite, classes: staticClasses(p, currentOf, base) };
  p.byCurrent.set(current, result);
  return result;
}

/** The resources without colocations, grouped by equal sort keys, each group in resource order. */
function staticClasses(p: Prepared, currentOf: Int32Array, base: (r: number, node: number) => number): readonly SortClass[] {
  const dynamic = new Set(p.dynamic);
  const groups = new Map<string, SortClass>();
  p.model.resources.forEach((rsc, r) => {
    if (dynamic.has(r)) return;
    const weights = Float64Array.from({ length: p.n }, (_, node) => base(r, node));
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
  const thisWith = model.resources.map((r) => model.colocations.filter((c) => c.dependent === r.id).sort((a, b) => priorityThenId(a.primary, b.primary)));
  const withThis = model.resources.map((r) => model.colocations.filter((c) => c.primary === r.id).sort((a, b) => priorityThenId(a.dependent, b.dependent)));
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
  const result: Prepared = {
    model,
    n,
    nodeIndex,
    nameRank,
    keyCount: keys.length,
    capacity,
    resourceIndex,
    location,
    utilization: model.resources.map((r) => Object.entries(r.utilization).map(([key, amount]) => [keyIndex.get(key) ?? 0, amount] as const)),
    thisWith,
    withThis,
    chain: model.resources.map((_, i) => chainOf(i)),
    withClone: model.resources.map((r) => model.withClones.has(r.id)),
    dynamic: model.resources.flatMap((_, i) => ((thisWith[i]?.length ?? 0) > 0 ? [i] : [])),
    byCurrent: new WeakMap(),
  };
  prepared.set(model, result);
  return result;
}

/**
 * Orders a list the way GLib's g_list_sort does (the scheduler sorts nodes
 * with it): top-down merge sort, the first half floor(n/2) long, ties to the
 * left. Only the first element is needed, so this is the merge tree's winner.
 */
function mergeSortFirst(items: readonly number[], from: number, to: number, compare: (a: number, b: number) => number): number {
  if (to - from === 1) return items[from] as number;
  const middle = from + Math.floor((to - from) / 2);
  const left = mergeSortFirst(items, from, middle, compare);
  const right = mergeSortFirst(items, middle, to, compare);
  return compare(left, right) <= 0 ? left : right;
}

export interface AssignResult {
  readonly placement: Placement;
  readonly keptApart: KeptApart;
  /** Resources whose node was chosen among nodes the capacity vote cannot order (see the module comment). */
  readonly ambiguous: readonly string[];
}

/**
 * Assigns every resource given the hosts that are up and where resources ran
 * before (a failed host still counts as "current" for ordering, as in Pacemaker).
 */
export function assign(model: PlacementModel, up: ReadonlySet<string>, current: Placement): Placement {
  return assignExplained(model, up, current).placement;
}

/** `assign`, with the domains left stopped by anti-colocations (for each, the primaries holding hosts it could have had) and the ambiguous choices. */
export function assignExplained(model: PlacementModel, up: ReadonlySet<string>, current: Placement): AssignResult {
  const p = prepare(model);
  const { n, keyCount: k, resourceIndex, thisWith, withThis } = p;
  const resources = model.resources;
  const strategy: Strategy = model.strategy;
  const usesCapacity = strategy !== "default";
  const available = new Uint8Array(n);
  model.nodes.forEach((name, i) => {
    available[i] = up.has(name) && !model.standby.includes(name) ? 1 : 0;
  });
  const free = Float64Array.from(p.capacity);
  const assigned = new Int32Array(n);
  const known = fromCurrent(p, current);
  const { currentOf } = known;
  const base = (r: number, node: number): number => baseScore(p, currentOf, r, node);
  // Each resource's allowed-node scores, changed by colocations and capacity as it is assigned (made when first needed).
  const allowed: (Float64Array | undefined)[] = new Array(resources.length);
  const scoresOf = (r: number): Float64Array => {
    let scores = allowed[r];
    if (!scores) {
      scores = new Float64Array(n);
      for (let node = 0; node < n; node++) scores[node] = base(r, node);
      allowed[r] = scores;
    }
    return scores;
  };
  const anyAvailable = (scores: Float64Array): boolean => {
    for (let node = 0; node < n; node++) if (available[node] && (scores[node] as number) >= 0) return true;
    return false;
  };
  const placement = new Int32Array(resources.length).fill(UNSET);
  const hasInfluence = (c: Colocation): boolean => c.influence || current.get(c.primary) === undefined;

  // addColocated's state, reused: which resources are being merged, and each recursion level's copy for a rollback.
  const merging = new Uint8Array(resources.length);
  const saved: Float64Array[] = [];

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
    before.set(work);
    if (top) work.set(own);
    else {
      for (let node = 0; node < n; node++) {
        // The source's score where that node can run it; a negative one never turns into a preference.
        const score = available[node] ? (own[node] as number) : -INFINITY;
        if (factor < 0 && score < 0) continue;
        work[node] = addScores(factor * score, work[node] as number);
      }
    }
    if (primaries && factor > 0 && p.withClone[source]) {
      for (let node = 0; node < n; node++) if (!available[node]) work[node] = -INFINITY;
    }
    if (anyAvailable(work)) {
      for (const c of primaries ? (thisWith[source] ?? []) : (withThis[source] ?? [])) {
        if (!primaries && !hasInfluence(c)) continue;
        const other = resourceIndex.get(primaries ? c.primary : c.dependent);
        if (other !== undefined) addColocated(other, work, factor * Math.sign(c.score), primaries, depth + 1, false);
      }
    } else if (!top) {
      // Rolled back: these scores would leave no node.
      work.set(before);
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
  let order: number[] = resources.map((_, i) => i);
  if (usesCapacity) order = assignmentOrder();

  function assignmentOrder(): number[] {
    const sortedNodes = [...allNodes].sort((a, b) => compareNodes(a, b, undefined, -1));
    // Resources with colocations or a clone: their sort scores depend on which nodes are up.
    const dynamic = p.dynamic.map((r) => {
      const scores = new Float64Array(n);
      addColocated(r, scores, 1, true, 0, true);
      const here = currentOf[r] as number;
      return { members: [r], priority: resources[r]?.priority ?? 0, here: here < 0 ? -INFINITY : (scores[here] as number), weights: scores };
    });
    const mask = (item: SortClass): SortItem => {
      if (!item.masked) return item;
      const weights = item.weights.map((w, node) => (available[node] ? w : -INFINITY));
      return { members: item.members, priority: item.priority, here: item.current < 0 ? -INFINITY : (weights[item.current] as number), weights };
    };
    const items = [...known.classes.map(mask), ...dynamic];
    const compare = (a: SortItem, b: SortItem): number => {
      if (a.priority !== b.priority) return b.priority - a.priority;
      if (a.here !== b.here) return b.here - a.here;
      for (const node of sortedNodes) {
        const diff = (b.weights[node] as number) - (a.weights[node] as number);
        if (diff !== 0) return diff;
      }
      return 0;
    };
    items.sort(compare);
    // Items that compare equal keep the resources' own order between them (the scheduler's sort is stable).
    const order: number[] = [];
    for (let i = 0; i < items.length; ) {
      let j = i + 1;
      while (j < items.length && compare(items[i] as SortItem, items[j] as SortItem) === 0) j++;
      const members = items.slice(i, j).flatMap((item) => item.members);
      if (j - i > 1) members.sort((a, b) => a - b);
      order.push(...members);
      i = j;
    }
    return order;
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
  const assigning = new Uint8Array(resources.length);

  /** The node the scheduler chooses among allowed ones, or -1 when the best scores below 0. */
  function bestNode(r: number, scores: Float64Array): number {
    const running = currentOf[r] as number;
    let top = -INFINITY;
    let first = -1;
    let tied = 0;
    for (let node = 0; node < n; node++) {
      if (!available[node]) continue;
      const w = scores[node] as number;
      if (first < 0 || w > top) [top, first, tied] = [w, node, 1];
      else if (w === top) tied++;
    }
    if (first < 0 || top < 0) return -1;
    if (tied === 1) return first;
    // Among nodes as good as the first (same score), the one it runs on.
    if (top > 0 && running >= 0 && available[running] && scores[running] === top) return running;
    const compare = (a: number, b: number): number => compareNodes(a, b, scores, running);
    first = mergeSortFirst(allNodes, 0, n, compare);
    // A merge sort's first is certain only when it beats every other node; otherwise the order the scheduler lists them in decides.
    if (strategy === "balanced" && k > 1 && allNodes.some((other) => other !== first && compare(first, other) > 0)) {
      ambiguous.push(resources[r]?.id ?? "");
    }
    return first;
  }

  /** A resource with no colocation: its current node when that is still the strict favourite and has room. */
  const stays = (r: number): boolean => {
    const here = currentOf[r] as number;
    return known.favourite[r] === 1 && available[here] === 1 && (!usesCapacity || fits(here, p.utilization[r] ?? []));
  };

  function place(r: number, node: number): void {
    placement[r] = node;
    assigned[node] = (assigned[node] as number) + 1;
    if (usesCapacity) for (const [key, amount] of p.utilization[r] ?? []) free[node * k + key] = (free[node * k + key] as number) - amount;
  }

  function assignOne(r: number): void {
    if (placement[r] !== UNSET || assigning[r]) return;
    if (stays(r)) return place(r, currentOf[r] as number);
    assigning[r] = 1;
    // Scores change only in the resource's own assignment: until here they are its base scores.
    const scores = scoresOf(r);
    for (const c of thisWith[r] ?? []) {
      const primary = resourceIndex.get(c.primary);
      if (primary !== undefined) assignOne(primary);
      const where = primary === undefined ? STOPPED : (placement[primary] as number);
      for (let node = 0; node < n; node++) {
        if (where < 0) {
          if (c.score > 0) scores[node] = -INFINITY;
        } else if (node === where ? c.score < 0 : c.score > 0) scores[node] = -INFINITY;
      }
    }
    for (const c of withThis[r] ?? []) {
      if (!hasInfluence(c)) continue;
      const dependent = resourceIndex.get(c.dependent);
      if (dependent === undefined) continue;
      addColocated(dependent, scores, Math.sign(c.score), false, 0, false);
    }
    if (resources[r]?.disabled) scores.fill(-INFINITY);
    if (usesCapacity) {
      const own = p.utilization[r] ?? [];
      let need = own;
      if ((p.chain[r]?.length ?? 0) > 1) {
        const sum = new Map<number, number>();
        for (const member of p.chain[r] ?? []) {
          if (member !== r && placement[member] !== UNSET) continue;
          for (const [key, amount] of p.utilization[member] ?? []) sum.set(key, (sum.get(key) ?? 0) + amount);
        }
        need = [...sum];
      }
      const usable = (node: number): boolean => available[node] === 1 && (scores[node] as number) >= 0;
      const limit = need === own || allNodes.some((node) => usable(node) && fits(node, need)) ? need : own;
      for (let node = 0; node < n; node++) if (usable(node) && !fits(node, limit)) scores[node] = -INFINITY;
    }
    const chosen = bestNode(r, scores);
    assigning[r] = 0;
    if (chosen >= 0) return place(r, chosen);
    placement[r] = STOPPED;
    // Hosts it could have had (allowed, with room) but for a primary it must stay apart from.
    const holders = (thisWith[r] ?? []).filter((c) => {
      const where = placement[resourceIndex.get(c.primary) ?? -1] ?? STOPPED;
      return c.score < 0 && where >= 0 && available[where] && base(r, where) >= 0 && (!usesCapacity || fits(where, p.utilization[r] ?? []));
    });
    if (holders.length > 0) keptApart.set(resources[r]?.id ?? "", holders.map((c) => c.primary));
  }

  for (const r of order) assignOne(r);
  const result = new Map<string, string | undefined>();
  resources.forEach((rsc, r) => {
    if (rsc.disabled) return;
    const node = placement[r] as number;
    result.set(rsc.id, node >= 0 ? model.nodes[node] : undefined);
  });
  return { placement: result, keptApart, ambiguous };
}
