import { CLAIM_OPTIONS, QUORUM_OPTIONS } from "../model/claims.ts";
import { type Cib } from "../model/model.ts";
import { property } from "../model/queries.ts";
import { claimBreaks, stoppedDomains } from "../plan/plan.ts";
import { isDomainAgent } from "../plan/placement.ts";
import { quorumLimit, quorumOf } from "../model/quorum.ts";
import { error, warning, type Problem } from "../model/problem.ts";

/**
 * An N+M claim (xen-ha-failures-tolerated) is only worth something if
 * Pacemaker can honour it: the placement strategy must use utilization,
 * every host and protected domain must declare it, and for every set of that
 * many failed hosts the protected domains must still fit (the planner).
 */
export function capacityProblems(cib: Cib): Problem[] {
  const claimPair = cib.properties.find((p) => p.name === CLAIM_OPTIONS.failuresTolerated);
  const strategy = (property(cib, "placement-strategy") ?? "default").toLowerCase();
  const strategyLine = cib.properties.find((p) => p.name === "placement-strategy")?.line;
  const domains = cib.primitives.filter((p) => p.parent === undefined && isDomainAgent(p.agent));
  const usesUtilization = cib.nodes.some((n) => n.utilization.length > 0) || domains.some((d) => d.utilization.length > 0);

  if (!claimPair) {
    return usesUtilization && strategy === "default"
      ? [warning("crm_config placement-strategy", strategyLine, "utilization is declared, but placement-strategy is default, so Pacemaker ignores it and may overcommit hosts", "set placement-strategy to balanced, utilization or minimal")]
      : [];
  }
  const where = `crm_config ${CLAIM_OPTIONS.failuresTolerated}`;
  const claim = Number(claimPair.value);
  if (!Number.isInteger(claim) || claim < 0) {
    return [error(where, claimPair.line, `'${claimPair.value}' is not a number of hosts`, "set it to a whole number, e.g. 1 for N+1")];
  }
  const problems: Problem[] = quorumProblems(cib, claim, claimPair.line);
  if (strategy === "default") {
    problems.push(error(where, claimPair.line, `the configuration claims to survive ${claim} failed host${claim === 1 ? "" : "s"}, but placement-strategy is default: Pacemaker ignores utilization and will overcommit the survivors`, "set placement-strategy=balanced (or utilization)"));
  }
  for (const node of cib.nodes.filter((n) => n.utilization.length === 0)) {
    problems.push(error(`node ${node.uname}`, node.line, "declares no utilization capacity, so the capacity claim cannot be checked on it", `add <utilization> with hv_memory (MiB) and cpu to node ${node.uname}`));
  }
  const report = claimBreaks(cib, claim);
  for (const id of report.protectedDomains) {
    const domain = domains.find((d) => d.id === id);
    if (domain && domain.utilization.length === 0) {
      problems.push(error(`primitive ${id}`, domain.line, "a protected domain without utilization: its memory is not accounted for", `add <utilization> with hv_memory and cpu to ${id}`));
    }
  }
  if (problems.length > 0) return problems;
  const { first } = report;
  if (first) {
    problems.push(
      error(where, claimPair.line, `the claim of ${claim} failed host${claim === 1 ? "" : "s"} cannot be honoured: ${report.broken} of ${report.sets} failure sets leave protected domains stopped; e.g. with ${first.failed.join(", ")} down, ${stoppedDomains(first, first.lost)} cannot run`, `add capacity or spare hosts, lower ${CLAIM_OPTIONS.failuresTolerated}, or make some domains best effort (priority below ${CLAIM_OPTIONS.protectedPriority})${first.keptApart.size > 0 ? ", or keep fewer domains apart (separate, -INFINITY colocations)" : ""}; run 'xen-ha cib plan' for the table`),
    );
  }
  return problems;
}

/**
 * Quorum against the claim, decided by model/quorum.ts exactly as the planner
 * decides it (doc/quorum.md): the claim holds only if every set of that many
 * failed hosts leaves a quorate partition (quorumLimit). Without an option a
 * plain majority must remain; the options that change it live in
 * corosync.conf, so the configuration declares the one it relies on in
 * CLAIM_OPTIONS.quorum (two hosts without a declaration: two_node, as the
 * setup tools write it). no-quorum-policy=ignore has its own finding
 * (fencing.ts) and makes quorum moot here.
 */
function quorumProblems(cib: Cib, claim: number, line: number | undefined): Problem[] {
  const hosts = cib.nodes.length;
  const declared = cib.properties.find((p) => p.name === CLAIM_OPTIONS.quorum);
  if (declared && !(QUORUM_OPTIONS as readonly string[]).includes(declared.value)) {
    return [error(`crm_config ${CLAIM_OPTIONS.quorum}`, declared.line, `'${declared.value}' is not a votequorum option xen-ha knows`, `use one of: ${QUORUM_OPTIONS.join(", ")}`)];
  }
  const quorum = quorumOf(cib);
  const limit = quorumLimit(quorum);
  if (hosts === 0 || quorum.policy === "ignore" || claim <= limit) return [];
  const where = `crm_config ${CLAIM_OPTIONS.failuresTolerated}`;
  const left = hosts - claim;
  const stops = "corosync loses quorum and Pacemaker stops every domain instead of recovering them";
  const lower = `or lower the claim to ${limit}`;
  const declare = `declare it with ${CLAIM_OPTIONS.quorum} (template value quorum)`;
  switch (quorum.option) {
    case "two_node":
      return [error(where, line, `two_node keeps quorum for one of two hosts only; ${claim} of ${hosts} hosts failing leaves ${left}: ${stops}`, `use last_man_standing: 1 in corosync.conf and ${declare}, ${lower}`)];
    case "auto_tie_breaker":
      return [error(where, line, `with auto_tie_breaker exactly half keeps quorum only if it holds the host with the lowest node id (${quorum.lowest ?? "?"}); ${claim} of ${hosts} hosts failing${2 * left === hosts ? ` including ${quorum.lowest ?? "it"}` : ""} leaves ${left}: ${stops}`, `use last_man_standing: 1 in corosync.conf (hosts must then fail one at a time) and ${declare}, ${lower}`)];
    case "last_man_standing":
      return [error(where, line, `last_man_standing keeps quorum down to 2 hosts (auto_tie_breaker as well would be needed for 1); ${claim} of ${hosts} hosts failing leaves ${left}: ${stops}`, `${lower}, or add hosts`)];
    case undefined: {
      const half = 2 * claim === hosts;
      const fix = half
        ? `set auto_tie_breaker: 1 or last_man_standing: 1 in corosync.conf's quorum section and ${declare}, or lower the claim below half the hosts`
        : `set last_man_standing: 1 in corosync.conf (hosts must then fail one at a time) and ${declare}, or lower the claim below half the hosts`;
      return [error(where, line, `${claim} of ${hosts} hosts failing leaves ${left}, ${half ? "exactly half" : "less than half"}: ${stops}`, fix)];
    }
  }
}
