import { type Cib, type ConstraintDef, type PrimitiveDef } from "../model/model.ts";
import { findContainer, isTrue, metaValue, pairValue, property } from "../model/queries.ts";
import { addScores, INFINITY, parseScore } from "../model/scores.ts";

/**
 * What Pacemaker 2.1's placement depends on, read from a CIB: nodes and their
 * capacity, top-level primitives with their priority, stickiness, utilization
 * and location scores, and mandatory colocations between them. How they are
 * assigned is in assign.ts. Not modelled (listed in `ignored`): location
 * rules, groups, finite-score colocations, colocation sets, roles and
 * node-attribute in colocations, and clone placement (clones are assumed to
 * run everywhere).
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
  /** Mandatory (±INFINITY) colocations between primitives of `resources`. */
  readonly colocations: readonly Colocation[];
  /** Resources colocated (+INFINITY) with a clone, e.g. a domain with its storage: they run only where a host is up. */
  readonly withClones: ReadonlySet<string>;
  readonly ignored: readonly string[];
}

export interface Colocation {
  readonly id: string;
  /** rsc: placed relative to the primary. */
  readonly dependent: string;
  /** with-rsc: assigned first. */
  readonly primary: string;
  /** INFINITY or -INFINITY. */
  readonly score: number;
  /** Whether the dependent may pull a running primary (influence, else the dependent's critical meta). */
  readonly influence: boolean;
}

/** Where each resource runs (undefined: stopped). */
export type Placement = ReadonlyMap<string, string | undefined>;

const DOMAIN_AGENTS = new Set(["ocf:xen-ha:XenDomain", "ocf:heartbeat:Xen"]);
export const isDomainAgent = (agent: string): boolean => DOMAIN_AGENTS.has(agent);

const numbers = (pairs: readonly { readonly name: string; readonly value: string }[]): Record<string, number> =>
  Object.fromEntries(pairs.map((p) => [p.name, Number.parseInt(p.value, 10) || 0]));

/** Each resource's rsc_location constraints (with `rsc`), in document order: one pass, not one per resource. */
function locationsByResource(cib: Cib): Map<string, ConstraintDef[]> {
  const byResource = new Map<string, ConstraintDef[]>();
  for (const constraint of cib.constraints) {
    const rsc = constraint.attributes["rsc"];
    if (constraint.kind !== "rsc_location" || rsc === undefined) continue;
    const list = byResource.get(rsc);
    if (list) list.push(constraint);
    else byResource.set(rsc, [constraint]);
  }
  return byResource;
}

function resourceOf(cib: Cib, primitive: PrimitiveDef, locations: readonly ConstraintDef[], ignored: Set<string>): PlacedResource {
  const scores = new Map<string, number>();
  for (const constraint of locations) {
    const node = constraint.attributes["node"];
    const score = parseScore(constraint.attributes["score"]);
    if (node === undefined || score === undefined) {
      ignored.add(`location rules (${constraint.id})`);
      continue;
    }
    scores.set(node, addScores(scores.get(node) ?? 0, score));
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

const STARTED = new Set(["", "started"]);

/** Colocations the model follows; the rest named in `ignored` (colocations with clones: clones run everywhere). */
function colocationsOf(cib: Cib, placed: ReadonlySet<string>, ignored: Set<string>): Colocation[] {
  const colocations: Colocation[] = [];
  const primitives = new Map(cib.primitives.map((p) => [p.id, p]));
  for (const constraint of cib.constraints) {
    if (constraint.kind !== "rsc_colocation") continue;
    const { rsc, "with-rsc": withRsc } = constraint.attributes;
    if (rsc === undefined || withRsc === undefined) {
      if (constraint.resources.some((id) => placed.has(id))) ignored.add(`colocation sets (${constraint.id})`);
      continue;
    }
    if (!placed.has(rsc) || findContainer(cib, withRsc)) continue;
    const score = parseScore(constraint.attributes["score"]);
    const roles = [constraint.attributes["rsc-role"], constraint.attributes["with-rsc-role"]].map((role) => (role ?? "").toLowerCase());
    if (!placed.has(withRsc)) ignored.add(`colocations between primitives (${constraint.id})`);
    else if (score !== INFINITY && score !== -INFINITY) ignored.add(`finite-score colocations (${constraint.id})`);
    else if (!roles.every((role) => STARTED.has(role)) || constraint.attributes["node-attribute"] !== undefined) {
      ignored.add(`colocations with roles or node-attribute (${constraint.id})`);
    } else {
      const dependent = primitives.get(rsc);
      const influence = constraint.attributes["influence"] ?? (dependent && metaValue(cib, dependent, "critical")) ?? "true";
      colocations.push({ id: constraint.id, dependent: rsc, primary: withRsc, score, influence: isTrue(influence) });
    }
  }
  return colocations;
}

/** Placed resources with a +INFINITY colocation with a clone (any role: the model has every clone on every host). */
const withClones = (cib: Cib, placed: ReadonlySet<string>): Set<string> =>
  new Set(
    cib.constraints
      .filter((c) => c.kind === "rsc_colocation" && placed.has(c.attributes["rsc"] ?? "") && findContainer(cib, c.attributes["with-rsc"] ?? ""))
      .filter((c) => parseScore(c.attributes["score"]) === INFINITY)
      .map((c) => c.attributes["rsc"] ?? ""),
  );

// One model per CIB: the checks and the planner all ask for it (a Cib is never changed once read).
const models = new WeakMap<Cib, PlacementModel>();

export function placementModel(cib: Cib): PlacementModel {
  const known = models.get(cib);
  if (known) return known;
  const model = readModel(cib);
  models.set(cib, model);
  return model;
}

function readModel(cib: Cib): PlacementModel {
  const ignored = new Set<string>();
  const locations = locationsByResource(cib);
  if (cib.containers.some((c) => c.kind === "group")) ignored.add("groups");
  const primitives = cib.primitives.filter((p) => p.parent === undefined);
  const strategy = (property(cib, "placement-strategy") ?? "default").toLowerCase();
  return {
    nodes: cib.nodes.map((n) => n.uname),
    capacity: new Map(cib.nodes.map((n) => [n.uname, numbers(n.utilization)])),
    resources: primitives.map((p) => resourceOf(cib, p, locations.get(p.id) ?? [], ignored)),
    strategy: (["utilization", "balanced", "minimal"].includes(strategy) ? strategy : "default") as Strategy,
    symmetric: property(cib, "symmetric-cluster") === undefined || isTrue(property(cib, "symmetric-cluster")),
    standby: cib.nodes.filter((n) => isTrue(pairValue(n.attributes, "standby"))).map((n) => n.uname),
    colocations: colocationsOf(cib, new Set(primitives.map((p) => p.id)), ignored),
    withClones: withClones(cib, new Set(primitives.map((p) => p.id))),
    ignored: [...ignored],
  };
}
