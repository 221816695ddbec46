import type { Cib } from "../model/model.ts";
import { INFINITY } from "../model/scores.ts";
import { placementModel, type PlacementModel } from "../plan/placement.ts";
import { error, type Problem } from "../model/problem.ts";

/**
 * A domain that can never run, with every host up: no node allowed by its
 * location scores (a -INFINITY ban on every node, or an opt-in cluster
 * without a positive location), none left outside standby, none with room
 * for its utilization (when placement-strategy reads it), or none shared with
 * a resource it must run with (INFINITY colocation). Checked always, not only
 * under a capacity claim: crm_verify and crm_simulate accept such a domain
 * and simply leave it stopped. Resources with location rules are skipped
 * (their nodes depend on attributes only known at run time).
 */
function allowedByModel(model: PlacementModel): Map<string, string[] | undefined> {
  const allowed = new Map<string, string[] | undefined>();
  for (const resource of model.resources) {
    const fits = (node: string): boolean => {
      if (model.strategy === "default") return true;
      const capacity = model.capacity.get(node) ?? {};
      return Object.entries(resource.utilization).every(([name, demand]) => demand <= (capacity[name] ?? 0));
    };
    allowed.set(
      resource.id,
      model.nodes.filter((node) => {
        const score = resource.scores.get(node);
        const permitted = model.symmetric ? score !== -INFINITY : score !== undefined && score >= 0 && score !== -INFINITY;
        return permitted && !model.standby.includes(node) && fits(node);
      }),
    );
  }
  // an INFINITY colocation narrows the dependent to where its primary may run, until nothing changes
  for (let changed = true; changed; ) {
    changed = false;
    for (const colocation of model.colocations.filter((c) => c.score === INFINITY)) {
      const primary = allowed.get(colocation.primary);
      const dependent = allowed.get(colocation.dependent);
      if (!primary || !dependent) continue;
      const narrowed = dependent.filter((node) => primary.includes(node));
      if (narrowed.length < dependent.length) {
        allowed.set(colocation.dependent, narrowed);
        changed = true;
      }
    }
  }
  return allowed;
}

interface Placability {
  readonly model: PlacementModel;
  readonly allowed: ReadonlyMap<string, readonly string[] | undefined>;
  /** Resources with location rules. */
  readonly ruled: ReadonlySet<string>;
}

// one computation per CIB: placementProblems and nodeAttributeProblems both ask (1000 domains: ~0.2 s each time)
const computed = new WeakMap<Cib, Placability>();
function placability(cib: Cib): Placability {
  const known = computed.get(cib);
  if (known) return known;
  const model = placementModel(cib);
  const ruled = new Set(cib.constraints.filter((c) => c.kind === "rsc_location" && c.attributes["node"] === undefined).map((c) => c.attributes["rsc"] ?? ""));
  const result = { model, allowed: allowedByModel(model), ruled };
  computed.set(cib, result);
  return result;
}

/** The nodes each top-level resource may run on with every host up; undefined when rules decide. */
export function allowedNodes(cib: Cib): (id: string) => readonly string[] | undefined {
  const { allowed, ruled } = placability(cib);
  return (id) => (ruled.has(id) ? undefined : allowed.get(id));
}

export function placementProblems(cib: Cib): Problem[] {
  const { model, allowed, ruled } = placability(cib);
  const lines = new Map(cib.primitives.map((p) => [p.id, p.line]));
  return model.resources
    .filter((r) => r.isDomain && !r.disabled && !ruled.has(r.id) && allowed.get(r.id)?.length === 0)
    .map((r) => {
      return error(
        `primitive ${r.id}`,
        lines.get(r.id),
        `${r.id} can run on no host, even with all ${model.nodes.length} up: its locations${model.symmetric ? "" : " (symmetric-cluster=false: only hosts with a location score)"}, standby hosts${model.strategy === "default" ? "" : ", its utilization"} and mandatory colocations leave no host`,
        "allow it on at least one host (remove a -INFINITY location, add a location score >= 0, add capacity, or drop the colocation); set target-role=Stopped if it is meant to stay stopped",
      );
    });
}
