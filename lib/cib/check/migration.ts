import { findAgent, type AgentCatalog } from "../model/agents.ts";
import { type Cib, type ConstraintDef, type PrimitiveDef } from "../model/model.ts";
import { constraintsNaming, constraintTargets, findContainer, findPrimitive, isTrue, metaValue, promotedMax } from "../model/queries.ts";
import { error, warning, type Problem } from "../model/problem.ts";

/**
 * Live migration only happens when everything a domain depends on can stay
 * up on the source and be up on the target (doc/cib.md §2b, §2d):
 * dependencies must be clones; a single-primary pool cannot be primary on
 * both hosts; with dual-primary DRBD the symmetric promote->start order makes
 * Pacemaker restart the domain, and without a stop->demote order DRBD can be
 * demoted under a running domain. A domain with no shared storage known to
 * the cluster is only warned about: its disks may be shared outside it.
 */
interface Tie {
  readonly constraint: ConstraintDef;
  readonly other: string;
}

const isMandatory = (c: ConstraintDef): boolean =>
  (c.attributes["kind"] ?? "Mandatory") === "Mandatory" && (c.attributes["score"] ?? "INFINITY") !== "0";

const isSymmetrical = (c: ConstraintDef): boolean =>
  c.attributes["symmetrical"] === undefined ? (c.attributes["kind"] ?? "Mandatory") !== "Serialize" : isTrue(c.attributes["symmetrical"]);

function ordersBefore(cib: Cib, targets: readonly string[]): Tie[] {
  return constraintsNaming(cib, "rsc_order", "then", targets)
    .filter(isMandatory)
    .map((constraint) => ({ constraint, other: constraint.attributes["first"] ?? "" }));
}

function colocatedWith(cib: Cib, targets: readonly string[]): Tie[] {
  return constraintsNaming(cib, "rsc_colocation", "rsc", targets)
    .map((constraint) => ({ constraint, other: constraint.attributes["with-rsc"] ?? "" }));
}

function orderProblems(cib: Cib, domain: PrimitiveDef, tie: Tie): Problem[] {
  const where = `rsc_order ${tie.constraint.id}`;
  const line = tie.constraint.line;
  const container = findContainer(cib, tie.other);
  const firstAction = tie.constraint.attributes["first-action"] ?? "start";
  if (container && (container.kind === "clone" || container.kind === "master")) {
    const promoted = promotedMax(container);
    if (promoted === undefined || firstAction !== "promote") return [];
    if (promoted < 2) {
      return [error(where, line, `${domain.id} may live-migrate but waits for ${container.id}, which is primary on one host only: every move becomes stop, demote, promote, start`, `use a dual-primary pool (promoted-max=2), or drop allow-migrate from ${domain.id}`)];
    }
    return isSymmetrical(tie.constraint)
      ? [error(where, line, `symmetric promote->start order: putting the source host in standby restarts ${domain.id} instead of migrating it ("due to unrunnable ${container.id} demote")`, `set symmetrical="false" here and add an order ${domain.id} stop -> ${container.id} demote, also symmetrical="false"`)]
      : [];
  }
  const primitive = findPrimitive(cib, tie.other);
  const migrates = primitive !== undefined && isTrue(metaValue(cib, primitive, "allow-migrate"));
  if (container || (primitive && !migrates)) {
    return [error(where, line, `${domain.id} depends on ${tie.other}, which cannot live-migrate: moving the domain stops both and starts them again`, `make ${tie.other} a clone that runs on every host (shared storage), or drop allow-migrate from ${domain.id}`)];
  }
  return [];
}

/** Dual-primary pools the domain is tied to must not be demoted before the domain stops. */
function demoteProblems(cib: Cib, domain: PrimitiveDef, targets: readonly string[], ties: readonly Tie[]): Problem[] {
  const dualPools = [...new Set(ties.map((t) => t.other))].filter((id) => {
    const container = findContainer(cib, id);
    return container !== undefined && (promotedMax(container) ?? 0) >= 2;
  });
  return dualPools.flatMap((pool) => {
    const guarded = constraintsNaming(cib, "rsc_order", "first", targets).some(
      (c) =>
        (c.attributes["first-action"] ?? "start") === "stop" &&
        c.attributes["then"] === pool &&
        c.attributes["then-action"] === "demote",
    );
    const symmetricPromote = ties.some((t) => t.other === pool && t.constraint.kind === "rsc_order" && isSymmetrical(t.constraint));
    return guarded || symmetricPromote
      ? []
      : [error(`primitive ${domain.id}`, domain.line, `nothing orders ${pool}'s demote after ${domain.id} stops: DRBD can be demoted under the running domain`, `add <rsc_order first="${domain.id}" first-action="stop" then="${pool}" then-action="demote" kind="Mandatory" symmetrical="false"/>`)];
  });
}

function sharedStorage(cib: Cib, ties: readonly Tie[]): boolean {
  return ties.some((tie) => {
    const container = findContainer(cib, tie.other);
    if (!container || (container.kind !== "clone" && container.kind !== "master")) return false;
    const promoted = promotedMax(container);
    return promoted === undefined || promoted >= 2;
  });
}

export function migrationProblems(cib: Cib, agents: AgentCatalog): Problem[] {
  return cib.primitives
    .filter((primitive) => primitive.parent === undefined && isTrue(metaValue(cib, primitive, "allow-migrate")))
    .flatMap((domain) => {
      const where = `primitive ${domain.id}`;
      const problems: Problem[] = [];
      const agent = findAgent(agents, domain.agent);
      const missing = ["migrate_to", "migrate_from"].filter((a) => !agent?.advertised.some((entry) => entry.name === a));
      if (agent && missing.length > 0) {
        problems.push(error(where, domain.line, `allow-migrate is set, but ${agent.name} does not implement ${missing.join(" and ")}`, "drop allow-migrate, or use an agent version that migrates"));
      }
      const targets = constraintTargets(cib, domain);
      const orders = ordersBefore(cib, targets);
      const ties = [...orders, ...colocatedWith(cib, targets)];
      problems.push(...orders.flatMap((tie) => orderProblems(cib, domain, tie)), ...demoteProblems(cib, domain, targets, ties));
      if (!sharedStorage(cib, ties)) {
        problems.push(warning(where, domain.line, "allow-migrate is set but no shared storage is known to the cluster (no order or colocation with a storage clone)", "order and colocate the domain with the clone that provides its disks (see the live-migration template), unless the storage is shared outside the cluster"));
      }
      return problems;
    });
}
