import type { Cib, ConstraintDef, ContainerDef, PrimitiveDef } from "../model/model.ts";
import { constraintTargets, findContainer, promotedMax } from "../model/queries.ts";
import { INFINITY, parseScore } from "../model/scores.ts";
import { isDomainAgent } from "../plan/placement.ts";
import { error, type Problem } from "../model/problem.ts";

/**
 * A domain on a data pool needs both constraints the templates render
 * (cib-templates/parts/data-pool.ts), with the action and role of the pool's
 * kind: without the order Pacemaker stops (unmounts, demotes) the pool while
 * the domain still runs or migrates and starts the domain before its disk is
 * there; without the colocation it places the domain where the pool is not
 * mounted or not primary. The pool is any clone the domain is ordered after
 * or colocated with:
 *  - a plain clone (shared file system): order start -> start, colocation;
 *  - a promotable clone (DRBD, single- or dual-primary): order promote ->
 *    start, colocation with-rsc-role Master (Promoted in pacemaker-3.7).
 * Both must be mandatory: an optional order holds only when both actions
 * happen to be in one transition, a finite colocation score can be outbid.
 */
const PROMOTED_ROLES = new Set(["master", "promoted"]);

/** pacemaker-3.7 and later spell the role Promoted; earlier schemas only know Master. */
function promotedRole(cib: Cib): string {
  const [major = 0, minor = 0] = (/pacemaker-(\d+)\.(\d+)/.exec(cib.validateWith ?? "") ?? []).slice(1).map(Number);
  return major > 3 || (major === 3 && minor >= 7) ? "Promoted" : "Master";
}

const isClone = (container: ContainerDef | undefined): container is ContainerDef =>
  container !== undefined && (container.kind === "clone" || container.kind === "master");

const isMandatoryOrder = (c: ConstraintDef): boolean => {
  const kind = c.attributes["kind"];
  if (kind !== undefined) return kind === "Mandatory";
  const score = parseScore(c.attributes["score"]);
  return score === undefined || score > 0;
};

interface Ties {
  readonly orders: ConstraintDef[];
  readonly colocations: ConstraintDef[];
}

/**
 * For each resource, the clones it is ordered after or colocated with, and
 * by which constraints: one pass over the constraints for all domains.
 */
function tiesToClones(cib: Cib): Map<string, Map<string, Ties>> {
  const clones = new Map(cib.containers.filter(isClone).map((c) => [c.id, c]));
  const ties = new Map<string, Map<string, Ties>>();
  const entry = (resource: string, pool: string): Ties => {
    const byPool = ties.get(resource) ?? new Map<string, Ties>();
    ties.set(resource, byPool);
    const found = byPool.get(pool) ?? { orders: [], colocations: [] };
    byPool.set(pool, found);
    return found;
  };
  for (const c of cib.constraints) {
    const { first, then, rsc, "with-rsc": withRsc } = c.attributes;
    if (c.kind === "rsc_order" && then !== undefined && first !== undefined && clones.has(first)) entry(then, first).orders.push(c);
    if (c.kind === "rsc_colocation" && rsc !== undefined && withRsc !== undefined && clones.has(withRsc)) entry(rsc, withRsc).colocations.push(c);
  }
  return ties;
}

function domainProblems(cib: Cib, domain: PrimitiveDef, ties: ReadonlyMap<string, ReadonlyMap<string, Ties>>): Problem[] {
  const where = `primitive ${domain.id}`;
  const problems: Problem[] = [];
  const pools = new Map<string, Ties>();
  for (const target of constraintTargets(cib, domain)) {
    for (const [pool, found] of ties.get(target) ?? []) {
      const merged = pools.get(pool) ?? { orders: [], colocations: [] };
      merged.orders.push(...found.orders);
      merged.colocations.push(...found.colocations);
      pools.set(pool, merged);
    }
  }
  for (const [poolId, { orders, colocations }] of pools) {
    const pool = findContainer(cib, poolId) as ContainerDef;
    const promotable = promotedMax(pool) !== undefined;
    const action = promotable ? "promote" : "start";
    const kind = promotable ? `${(promotedMax(pool) ?? 1) >= 2 ? "dual" : "single"}-primary pool ${poolId}` : `storage clone ${poolId}`;
    const wantOrder = `<rsc_order first="${poolId}"${promotable ? ' first-action="promote"' : ""} then="${domain.id}"${promotable ? ' then-action="start"' : ""} kind="Mandatory"/>`;
    const wantColocation = `<rsc_colocation rsc="${domain.id}" with-rsc="${poolId}"${promotable ? ` with-rsc-role="${promotedRole(cib)}"` : ""} score="INFINITY"/>`;

    const good = orders.filter((o) => {
      const first = o.attributes["first-action"] ?? "start";
      // then-action defaults to first-action: "promote" would order the domain's (nonexistent) promote
      const then = o.attributes["then-action"] ?? first;
      return first === action && then === "start" && isMandatoryOrder(o);
    });
    if (good.length === 0) {
      const [bad] = orders;
      const reason = !bad
        ? `nothing orders ${domain.id} after the ${kind}: Pacemaker may start it before its disks are ${promotable ? "primary" : "mounted"} and ${promotable ? "demote" : "stop"} the pool under it while it runs or migrates`
        : (bad.attributes["first-action"] ?? "start") !== action
          ? `${domain.id} is ordered after the ${kind}'s ${bad.attributes["first-action"] ?? "start"}, not its ${action}: it may start on a host where its disks are not ${promotable ? "primary yet" : "mounted yet"}`
          : !isMandatoryOrder(bad)
            ? `the order of ${domain.id} after the ${kind} is optional: it holds only when both happen in one transition`
            : `the order of ${domain.id} after the ${kind} applies to its '${bad.attributes["then-action"] ?? bad.attributes["first-action"] ?? ""}', not its start (then-action defaults to first-action)`;
      problems.push(error(bad ? `rsc_order ${bad.id}` : where, bad?.line ?? domain.line, reason, `use ${wantOrder}`));
    }

    const placed = colocations.filter((c) => {
      const role = (c.attributes["with-rsc-role"] ?? "").toLowerCase();
      const own = (c.attributes["rsc-role"] ?? "started").toLowerCase();
      return parseScore(c.attributes["score"]) === INFINITY && (promotable ? PROMOTED_ROLES.has(role) : role === "" || role === "started") && own === "started";
    });
    if (placed.length === 0) {
      const [bad] = colocations;
      const reason = !bad
        ? `${domain.id} is not colocated with the ${kind}: Pacemaker may place it on a host where its disks are not ${promotable ? "primary" : "mounted"}`
        : parseScore(bad.attributes["score"]) !== INFINITY
          ? `the colocation of ${domain.id} with the ${kind} has score ${bad.attributes["score"] ?? "(none)"}, not INFINITY: other scores can place the domain away from its disks`
          : promotable
            ? `${domain.id} is colocated with the ${kind} in any role, not with its primary (with-rsc-role="${promotedRole(cib)}"): it may run where DRBD is secondary`
            : `the colocation of ${domain.id} with the ${kind} has roles a plain clone does not have`;
      problems.push(error(bad ? `rsc_colocation ${bad.id}` : where, bad?.line ?? domain.line, reason, `use ${wantColocation}`));
    }
  }
  return problems;
}

export function storageProblems(cib: Cib): Problem[] {
  const ties = tiesToClones(cib);
  return cib.primitives.filter((p) => p.parent === undefined && isDomainAgent(p.agent)).flatMap((domain) => domainProblems(cib, domain, ties));
}
