import { stoppedDomains as stopped, type FailureCase, type PlanReport } from "./plan.ts";

/** `xen-ha cib plan` output: the model in one paragraph, then one row per failure set. */
function totals(report: PlanReport): string[] {
  const { model } = report;
  const keys = [...new Set([...model.capacity.values()].flatMap((c) => Object.keys(c)))].sort();
  const domains = model.resources.filter((r) => r.isDomain && !r.disabled);
  return keys.map((key) => {
    const capacity = [...model.capacity.values()].reduce((sum, c) => sum + (c[key] ?? 0), 0);
    const demand = domains.reduce((sum, r) => sum + (r.utilization[key] ?? 0), 0);
    return `${key}: domains need ${demand} of ${capacity} on ${model.nodes.length} hosts`;
  });
}

const row = (report: PlanReport) => (c: FailureCase): string => {
  const failed = c.failed.length === 0 ? "(none)" : c.failed.join(",");
  if (c.quorumLost) {
    const left = report.model.nodes.length - c.failed.length;
    const what = report.quorum.policy === "freeze" ? "nothing is recovered; domains on the survivors may keep running (not modelled: counted as stopped) (?)" : "Pacemaker stops every domain";
    const verdict = c.lost.length === 0 ? "no protected domain affected" : `DOES NOT FIT: ${c.lost.length} protected domain${c.lost.length === 1 ? "" : "s"} stopped`;
    return `  ${failed.padEnd(24)} QUORUM LOST (${left} of ${report.model.nodes.length} hosts left): ${what}; ${verdict}\n`;
  }
  const verdict = c.lost.length === 0 ? "fits" : `DOES NOT FIT: ${stopped(c, c.lost)} ${c.lost.length === 1 ? "stays" : "stay"} stopped`;
  const moved = c.moved.length === 0 ? "" : `; moves ${c.moved.map((m) => `${m.id}->${m.to}`).join(" ")}`;
  const shed = c.shed.length === 0 ? "" : `; best effort stopped: ${stopped(c, c.shed)}`;
  const unsure = c.ambiguous.length === 0 ? "" : " (?)";
  return `  ${failed.padEnd(24)} ${verdict}${moved}${shed}${unsure}\n`;
};

/** What quorum allows, said once before the table. */
function quorumLines(report: PlanReport): string[] {
  const { quorum, quorumLimit: limit } = report;
  const hosts = quorum.hosts.length;
  if (quorum.policy === "ignore") return [`  quorum: no-quorum-policy=ignore, so quorum is not modelled: a partition without it carries on (and may run domains twice)\n`];
  const option = quorum.option === undefined ? "" : ` with ${quorum.option}`;
  const sequential = quorum.option === "last_man_standing" ? " (hosts failing one at a time, each after the last_man_standing window)" : "";
  const policy = quorum.policy === "freeze" ? "no-quorum-policy=freeze: nothing is recovered, and what runs on the survivors may stop too" : `no-quorum-policy=${quorum.policy}: every domain stops`;
  return [`  quorum: corosync votequorum${option} keeps quorum with up to ${limit} of ${hosts} hosts failed${sequential}; beyond that ${policy}\n`];
}

export function formatPlan(report: PlanReport): string {
  const { model } = report;
  const out: string[] = [];
  out.push(
    `${model.nodes.length} hosts, ${report.protectedDomains.length} protected domains, placement-strategy=${model.strategy}` +
      `${report.claim === undefined ? ", no redundancy claim" : `, claim: ${report.claim} host failure${report.claim === 1 ? "" : "s"}`}\n`,
  );
  for (const line of totals(report)) out.push(`  ${line}\n`);
  if (model.strategy === "default") {
    out.push("  note: placement-strategy=default, Pacemaker itself ignores utilization; the table shows what fits\n");
  }
  const apart = model.colocations.filter((c) => c.score < 0).map((c) => `${c.dependent} from ${c.primary}`);
  if (apart.length > 0) out.push(`  kept apart (-INFINITY colocations, each placed after the one it avoids): ${apart.join(", ")}\n`);
  const together = model.colocations.filter((c) => c.score > 0).map((c) => `${c.dependent} with ${c.primary}`);
  if (together.length > 0) out.push(`  kept together (INFINITY colocations): ${together.join(", ")}\n`);
  for (const item of model.ignored) out.push(`  note: not modelled: ${item}\n`);
  if (report.unsettled.length > 0) {
    out.push(`  note: the placement never settles: Pacemaker moves ${report.unsettled.join(", ")} again at every transition; the table starts from one of the states it alternates between\n`);
  }
  out.push(...quorumLines(report));
  out.push(`\n${report.failures} failed host${report.failures === 1 ? "" : "s"} (${report.cases.length} case${report.cases.length === 1 ? "" : "s"}):\n`);
  out.push(...report.cases.map(row(report)));
  const unsure = report.cases.filter((c) => c.ambiguous.length > 0 && !c.quorumLost);
  if (unsure.length > 0 || report.steadyAmbiguous.length > 0) {
    const where = report.steadyAmbiguous.length > 0 ? "the steady state and " : "";
    out.push(
      `  (?) not exact: in ${where}${unsure.length} failure set${unsure.length === 1 ? "" : "s"} Pacemaker chooses between hosts with the same score whose free capacities it cannot rank (more of one attribute, less of another); the choice then follows its internal node order, which this model does not know: 'xen-ha cib plan FILE --confirm' replays those sets through crm_simulate and compares.\n`,
    );
  }
  const { tolerated } = report;
  out.push(
    `\nlargest number of failed hosts every protected domain survives: ${tolerated.value}${tolerated.exhaustive ? "" : " (search stopped early: too many failure sets)"}\n`,
  );
  if (tolerated.firstBreak) {
    const { failed, lost } = tolerated.firstBreak;
    const when = failed.length === 0 ? "with every host up" : `${failed.join(",")} down`;
    const why = tolerated.firstBreak.quorumLost ? ` (quorum lost: ${lost.length} protected domain${lost.length === 1 ? "" : "s"})` : "";
    out.push(`  first break: ${when} leaves ${stopped(tolerated.firstBreak, lost)} stopped${why}\n`);
  }
  return out.join("");
}
