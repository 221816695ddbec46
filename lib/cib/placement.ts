import { type Cib, type PrimitiveDef } from "./model.ts";
import { findContainer, isTrue, metaValue, pairValue, property } from "./queries.ts";
import { addScores, INFINITY, parseScore } from "./scores.ts";

/**
 * A model of how Pacemaker 2.1 assigns primitives to nodes, enough to answer
 * "after these hosts fail, which domains still run?" without a cluster.
 * It follows the scheduler (lib/pacemaker/pcmk_sched_resource.c,
 * pcmk_sched_nodes.c, pcmk_sched_utilization.c, pcmk_sched_primitive.c):
 *  - unless placement-strategy is default, resources are assigned in order of
 *    priority, then score on their current node (location + stickiness, even
 *    when that node has just failed), then score node by node;
 *  - nodes without the remaining capacity a resource needs are banned for it;
 *  - the best node is the highest score, then (balanced) more free capacity,
 *    then fewer resources, then the current node, then the name;
 *  - a resource whose best node scores below 0 stays stopped.
 * Not modelled (listed in `ignored`): rules, groups, colocations between
 * primitives, and clone placement (clones are assumed to run everywhere).
 */
export type Strategy = "default" | "utilization" | "balanced" | "minimal";

export interface PlacedResource {
  readonly id: string;
  readonly priority: number;
  readonly stickiness: number;
  readonly utilization: Readonly<Record<string, number>>;
  /** Location scores by node; absent nodes score 0 (symmetric) or are not allowed (opt-in). */
  readonly scores: ReadonlyMap<string, number>;
  readonly isDomain: boolean;
  /** Stopped on purpose (target-role=Stopped): never placed. */
  readonly disabled: boolean;
}

export interface PlacementModel {
  readonly nodes: readonly string[];
  readonly capacity: ReadonlyMap<string, Readonly<Record<string, number>>>;
  readonly resources: readonly PlacedResource[];
  readonly strategy: Strategy;
  readonly symmetric: boolean;
  /** Hosts out of service in the configuration itself (standby). */
  readonly standby: readonly string[];
  readonly ignored: readonly string[];
}

/** Where each resource runs (undefined: stopped). */
export type Placement = ReadonlyMap<string, string | undefined>;

const DOMAIN_AGENTS = new Set(["ocf:xen-ha:XenDomain", "ocf:heartbeat:Xen"]);
export const isDomainAgent = (agent: string): boolean => DOMAIN_AGENTS.has(agent);

const numbers = (pairs: readonly { readonly name: string; readonly value: string }[]): Record<string, number> =>
  Object.fromEntries(pairs.map((p) => [p.name, Number.parseInt(p.value, 10) || 0]));

function resourceOf(cib: Cib, primitive: PrimitiveDef, ignored: Set<string>): PlacedResource {
  const scores = new Map<string, number>();
  for (const constraint of cib.constraints) {
    if (constraint.kind !== "rsc_location" || constraint.attributes["rsc"] !== primitive.id) continue;
    const node = constraint.attributes["node"];
    const score = parseScore(constraint.attributes["score"]);
    if (node === undefined || score === undefined) {
      ignored.add(`location rules (${constraint.id})`);
      continue;
    }
    scores.set(node, addScores(scores.get(node) ?? 0, score));
  }
  for (const constraint of cib.constraints) {
    if (constraint.kind === "rsc_colocation" && constraint.attributes["rsc"] === primitive.id) {
      const other = constraint.attributes["with-rsc"] ?? "";
      if (!findContainer(cib, other)) ignored.add(`colocations between primitives (${constraint.id})`);
    }
  }
  return {
    id: primitive.id,
    priority: parseScore(metaValue(cib, primitive, "priority")) ?? 0,
    stickiness: parseScore(metaValue(cib, primitive, "resource-stickiness")) ?? 0,
    utilization: numbers(primitive.utilization),
    scores,
    isDomain: isDomainAgent(primitive.agent),
    disabled: (metaValue(cib, primitive, "target-role") ?? "").toLowerCase() === "stopped",
  };
}

export function placementModel(cib: Cib): PlacementModel {
  const ignored = new Set<string>();
  if (cib.containers.some((c) => c.kind === "group")) ignored.add("groups");
  const strategy = (property(cib, "placement-strategy") ?? "default").toLowerCase();
  return {
    nodes: cib.nodes.map((n) => n.uname),
    capacity: new Map(cib.nodes.map((n) => [n.uname, numbers(n.utilization)])),
    resources: cib.primitives.filter((p) => p.parent === undefined).map((p) => resourceOf(cib, p, ignored)),
    strategy: (["utilization", "balanced", "minimal"].includes(strategy) ? strategy : "default") as Strategy,
    symmetric: property(cib, "symmetric-cluster") === undefined || isTrue(property(cib, "symmetric-cluster")),
    standby: cib.nodes.filter((n) => isTrue(pairValue(n.attributes, "standby"))).map((n) => n.uname),
    ignored: [...ignored],
  };
}

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

/**
 * Assigns every resource given the hosts that are up and where resources ran
 * before (a failed host still counts as "current" for ordering, as in Pacemaker).
 */
export function assign(model: PlacementModel, up: ReadonlySet<string>, current: Placement): Placement {
  const states = model.nodes.map<NodeState>((name) => ({
    name,
    available: up.has(name) && !model.standby.includes(name),
    free: { ...model.capacity.get(name) },
    assigned: 0,
  }));
  const usesCapacity = model.strategy !== "default";
  const resources = model.resources.filter((r) => !r.disabled);
  let order = resources;
  if (usesCapacity) {
    const sortedNodes = [...states].sort((a, b) => compareNodes(model.strategy, a, b, () => 0, undefined));
    const weightOn = (r: PlacedResource, node: string | undefined): number =>
      node === undefined ? -INFINITY : baseWeight(model, r, node, current.get(r.id));
    order = [...resources].sort((a, b) => {
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
  const placement = new Map<string, string | undefined>();
  for (const rsc of order) {
    const running = current.get(rsc.id);
    const weights = new Map(states.map((s) => [s.name, baseWeight(model, rsc, s.name, running)]));
    if (usesCapacity && Object.keys(rsc.utilization).length > 0) {
      for (const state of states) if (state.available && !fits(state, rsc.utilization)) weights.set(state.name, -INFINITY);
    }
    const weight = (s: NodeState): number => weights.get(s.name) ?? -INFINITY;
    const candidates = [...states].sort((a, b) => compareNodes(model.strategy, a, b, weight, running));
    let chosen = candidates[0];
    if (chosen && weight(chosen) > 0) {
      // Among nodes with the same best score, stay where it runs.
      const same = candidates.find((s) => s.name === running && s.available && weight(s) === weight(chosen as NodeState));
      if (same) chosen = same;
    }
    if (!chosen || !chosen.available || weight(chosen) < 0) {
      placement.set(rsc.id, undefined);
      continue;
    }
    placement.set(rsc.id, chosen.name);
    chosen.assigned++;
    if (usesCapacity) for (const [key, amount] of Object.entries(rsc.utilization)) chosen.free[key] = (chosen.free[key] ?? 0) - amount;
  }
  return placement;
}
