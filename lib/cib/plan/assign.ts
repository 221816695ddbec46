import { type Colocation, type PlacedResource, type Placement, type PlacementModel, type Strategy } from "./placement.ts";
import { addScores, INFINITY } from "../model/scores.ts";

/**
 * A model of how Pacemaker 2.1 assigns primitives to nodes, enough to answer
 * "after these hosts fail, which domains still run?" without a cluster.
 * It follows the scheduler (lib/pacemaker/pcmk_sched_resource.c,
 * pcmk_sched_nodes.c, pcmk_sched_utilization.c, pcmk_sched_primitive.c,
 * pcmk_sched_colocation.c):
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
 *    then fewer resources, then the current node, then the name;
 *  - a resource whose best node scores below 0 stays stopped.
 * What it does not model is listed in the model's `ignored` (placement.ts).
 */

interface NodeState {
  readonly name: string;
  readonly available: boolean;
  readonly free: Record<string, number>;
  assigned: number;
}

/** Pacemaker's capacity vote: negative when a has more free capacity in more attributes. */
function compareCapacity(a: NodeState, b: NodeState): number {
  let result = 0;
  for (const key of new Set([...Object.keys(a.free), ...Object.keys(b.free)])) {
    const x = a.free[key] ?? 0;
    const y = b.free[key] ?? 0;
    if (x > y) result--;
    else if (x < y) result++;
  }
  return result;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function compareNodes(
  strategy: Strategy,
  a: NodeState,
  b: NodeState,
  weight: (node: NodeState) => number,
  active: string | undefined,
): number {
  const wa = a.available ? weight(a) : -INFINITY;
  const wb = b.available ? weight(b) : -INFINITY;
  if (wa !== wb) return wb - wa;
  if (strategy !== "minimal") {
    if (strategy === "balanced") {
      const capacity = compareCapacity(a, b);
      if (capacity !== 0) return capacity;
    }
    if (a.assigned !== b.assigned) return a.assigned - b.assigned;
    if (active === a.name) return -1;
    if (active === b.name) return 1;
  }
  return byName(a.name, b.name);
}

/** The resource's score on a node before capacity: locations plus stickiness where it runs. */
function baseWeight(model: PlacementModel, rsc: PlacedResource, node: string, current: string | undefined): number {
  const location = rsc.scores.get(node);
  if (location === undefined && !model.symmetric) return -INFINITY;
  const score = location ?? 0;
  return node === current && rsc.stickiness > 0 ? addScores(score, rsc.stickiness) : score;
}

const fits = (node: NodeState, need: Readonly<Record<string, number>>): boolean =>
  Object.entries(need).every(([key, amount]) => amount <= (node.free[key] ?? 0));

/** Where resources stopped by anti-colocations would have fitted: the primaries holding those hosts. */
export type KeptApart = ReadonlyMap<string, readonly string[]>;

type Scores = Map<string, number>;

/**
 * Assigns every resource given the hosts that are up and where resources ran
 * before (a failed host still counts as "current" for ordering, as in Pacemaker).
 */
export function assign(model: PlacementModel, up: ReadonlySet<string>, current: Placement): Placement {
  return assignExplained(model, up, current).placement;
}

/** `assign`, with the domains left stopped by anti-colocations: for each, the primaries holding hosts it could have had. */
export function assignExplained(
  model: PlacementModel,
  up: ReadonlySet<string>,
  current: Placement,
): { readonly placement: Placement; readonly keptApart: KeptApart } {
  const states = model.nodes.map<NodeState>((name) => ({
    name,
    available: up.has(name) && !model.standby.includes(name),
    free: { ...model.capacity.get(name) },
    assigned: 0,
  }));
  const state = new Map(states.map((s) => [s.name, s]));
  const isAvailable = (node: string): boolean => state.get(node)?.available ?? false;
  const usesCapacity = model.strategy !== "default";
  const byId = new Map(model.resources.map((r) => [r.id, r]));
  // Pacemaker keeps each resource's colocation lists sorted by the other side's priority, then id.
  const priorityThenId = (a: string, b: string): number =>
    (byId.get(b)?.priority ?? 0) - (byId.get(a)?.priority ?? 0) || byName(a, b);
  const thisWith = (id: string) => model.colocations.filter((c) => c.dependent === id).sort((a, b) => priorityThenId(a.primary, b.primary));
  const withThis = (id: string) => model.colocations.filter((c) => c.primary === id).sort((a, b) => priorityThenId(a.dependent, b.dependent));
  const base = (r: PlacedResource): Scores => new Map(model.nodes.map((n) => [n, baseWeight(model, r, n, current.get(r.id))]));
  // Each resource's allowed-node scores, changed by colocations and capacity as it is assigned.
  const allowed = new Map(model.resources.map((r) => [r.id, base(r)]));
  const scoresOf = (id: string): Scores => allowed.get(id) ?? new Map();
  const anyAvailable = (scores: Scores): boolean => [...scores].some(([node, w]) => w >= 0 && isAvailable(node));

  /** pcmk__add_colocated_node_scores for primitives: `source`'s scores times `factor`, then its own colocated resources'. */
  function addColocated(source: string, nodes: Scores | undefined, factor: number, primaries: boolean, merging: Set<string>): Scores | undefined {
    if (merging.has(source)) return nodes;
    merging.add(source);
    let work: Scores;
    if (nodes === undefined) work = new Map(scoresOf(source));
    else {
      work = new Map(nodes);
      for (const [node, weight] of work) {
        // The source's score where that node can run it; a negative one never turns into a preference.
        const score = isAvailable(node) ? (scoresOf(source).get(node) ?? -INFINITY) : -INFINITY;
        if (factor < 0 && score < 0) continue;
        work.set(node, addScores(factor * score, weight));
      }
    }
    if (primaries && factor > 0 && model.withClones.has(source)) {
      for (const node of work.keys()) if (!isAvailable(node)) work.set(node, -INFINITY);
    }
    if (anyAvailable(work)) {
      for (const c of primaries ? thisWith(source) : withThis(source)) {
        if (!primaries && !hasInfluence(c)) continue;
        work = addColocated(primaries ? c.primary : c.dependent, work, factor * Math.sign(c.score), primaries, merging) ?? work;
      }
    } else if (nodes !== undefined) {
      // Rolled back: these scores would leave no node.
      merging.delete(source);
      return nodes;
    }
    merging.delete(source);
    return work;
  }
  const hasInfluence = (c: Colocation): boolean => c.influence || current.get(c.primary) === undefined;

  let order = model.resources;
  if (usesCapacity) {
    const sortedNodes = [...states].sort((a, b) => compareNodes(model.strategy, a, b, () => 0, undefined));
    const sortScores = new Map(model.resources.map((r) => [r.id, addColocated(r.id, undefined, 1, true, new Set()) ?? new Map<string, number>()]));
    const weightOn = (r: PlacedResource, node: string | undefined): number =>
      node === undefined ? -INFINITY : (sortScores.get(r.id)?.get(node) ?? -INFINITY);
    order = [...model.resources].sort((a, b) => {
      if (a.priority !== b.priority) return b.priority - a.priority;
      const here = weightOn(b, current.get(b.id)) - weightOn(a, current.get(a.id));
      if (here !== 0) return here;
      for (const node of sortedNodes) {
        const diff = weightOn(b, node.name) - weightOn(a, node.name);
        if (diff !== 0) return diff;
      }
      return 0;
    });
  }

  /** The resource and the unassigned resources tied to it by +INFINITY colocations (pcmk__colocated_resources). */
  function colocatedChain(id: string, origin: string, chain: Set<string>): Set<string> {
    if (chain.has(id)) return chain;
    chain.add(id);
    for (const c of thisWith(id)) if (c.score >= INFINITY && c.primary !== origin) colocatedChain(c.primary, origin, chain);
    for (const c of withThis(id)) if (c.score >= INFINITY) colocatedChain(c.dependent, origin, chain);
    return chain;
  }

  const placement = new Map<string, string | undefined>();
  const keptApart = new Map<string, string[]>();
  const assigning = new Set<string>();
  function assignOne(rsc: PlacedResource): void {
    if (placement.has(rsc.id) || assigning.has(rsc.id)) return;
    assigning.add(rsc.id);
    const scores = scoresOf(rsc.id);
    const before = new Map(scores);
    for (const c of thisWith(rsc.id)) {
      const primary = byId.get(c.primary);
      if (primary) assignOne(primary);
      const where = placement.get(c.primary);
      for (const node of scores.keys()) {
        if (where === undefined) {
          if (c.score > 0) scores.set(node, -INFINITY);
        } else if (node === where ? c.score < 0 : c.score > 0) scores.set(node, -INFINITY);
      }
    }
    for (const c of withThis(rsc.id)) {
      if (!hasInfluence(c)) continue;
      const merged = addColocated(c.dependent, scores, Math.sign(c.score), false, new Set()) ?? scores;
      for (const [node, weight] of merged) scores.set(node, weight);
    }
    if (rsc.disabled) for (const node of scores.keys()) scores.set(node, -INFINITY);
    if (usesCapacity) {
      const need: Record<string, number> = {};
      for (const id of colocatedChain(rsc.id, rsc.id, new Set())) {
        if (id !== rsc.id && placement.has(id)) continue;
        for (const [key, amount] of Object.entries(byId.get(id)?.utilization ?? {})) need[key] = (need[key] ?? 0) + amount;
      }
      const usable = states.filter((s) => s.available && (scores.get(s.name) ?? -INFINITY) >= 0);
      const limit = usable.some((s) => fits(s, need)) ? need : rsc.utilization;
      for (const s of usable) if (!fits(s, limit)) scores.set(s.name, -INFINITY);
    }
    const chosen = bestNode(model.strategy, states, scores, current.get(rsc.id));
    assigning.delete(rsc.id);
    if (!chosen) {
      placement.set(rsc.id, undefined);
      // Hosts it could have had (allowed, with room) but for a primary it must stay apart from.
      const holders = thisWith(rsc.id).filter((c) => {
        const where = placement.get(c.primary);
        const host = where === undefined ? undefined : state.get(where);
        return c.score < 0 && host?.available === true && (before.get(host.name) ?? -INFINITY) >= 0 && (!usesCapacity || fits(host, rsc.utilization));
      });
      if (holders.length > 0) keptApart.set(rsc.id, holders.map((c) => c.primary));
      return;
    }
    placement.set(rsc.id, chosen.name);
    chosen.assigned++;
    if (usesCapacity) for (const [key, amount] of Object.entries(rsc.utilization)) chosen.free[key] = (chosen.free[key] ?? 0) - amount;
  }
  for (const rsc of order) assignOne(rsc);
  for (const rsc of model.resources) if (rsc.disabled) placement.delete(rsc.id);
  return { placement, keptApart };
}

/** The node a resource goes to, or undefined when its best node scores below 0. */
function bestNode(strategy: Strategy, states: readonly NodeState[], scores: Scores, running: string | undefined): NodeState | undefined {
  const weight = (s: NodeState): number => scores.get(s.name) ?? -INFINITY;
  const candidates = [...states].sort((a, b) => compareNodes(strategy, a, b, weight, running));
  let chosen = candidates[0];
  if (chosen && weight(chosen) > 0) {
    // Among nodes with the same best score, stay where it runs.
    const same = candidates.find((s) => s.name === running && s.available && weight(s) === weight(chosen as NodeState));
    if (same) chosen = same;
  }
  return chosen && chosen.available && weight(chosen) >= 0 ? chosen : undefined;
}
