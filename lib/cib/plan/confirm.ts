import type { ToolContext } from "../tools.ts";
import { outcomeAfter, type PlanReport } from "./plan.ts";
import type { Placement } from "./placement.ts";
import { simulate } from "./simulate.ts";
import { runningOn, type GraphAction, type Transition } from "./transition.ts";

/**
 * `xen-ha cib plan --confirm`: the failure sets whose prediction the plan
 * marks "(?)" (a choice between hosts the model cannot rank, or freeze
 * without quorum; doc/placement.md) are replayed through crm_simulate on the
 * same CIB, the way `cib simulate` runs it, and each prediction is put beside
 * crm_simulate's result. Where they place domains on different hosts the plan
 * was only inexact; a safety point is what an admin relies on the plan for:
 *  - a domain the plan says runs is left stopped by crm_simulate (or only on
 *    a failed host it cannot reach);
 *  - crm_simulate runs a domain on two hosts;
 *  - crm_simulate starts (or migrates in) a domain of a failed host before
 *    that host is fenced.
 * The steady state is replayed too when the plan marks it.
 */
export interface ConfirmedSet {
  /** The failed hosts; empty for the steady state. */
  readonly failed: readonly string[];
  readonly quorumLost: boolean;
  /** Domains the plan marked uncertain in this set. */
  readonly uncertain: readonly string[];
  /** Each domain's host (undefined: stopped) as the plan predicts it and as crm_simulate ran it. */
  readonly plan: Placement;
  readonly simulated: Placement;
  /** Domains placed differently. */
  readonly differ: readonly string[];
  /** Safety points where crm_simulate contradicts the plan, in words (empty: none). */
  readonly unsafe: readonly string[];
}

export type ConfirmResult =
  | { readonly ok: true; readonly sets: readonly ConfirmedSet[] }
  | { readonly ok: false; readonly unavailable: boolean; readonly message: string };

/** The sets the plan marks "(?)": its table's rows with an uncertain choice, and the steady state ([]) when that has one. */
export function borderlineSets(report: PlanReport): (readonly string[])[] {
  const rows = report.cases.filter((c) => c.ambiguous.length > 0 && c.failed.length > 0).map((c) => c.failed);
  return report.steadyAmbiguous.length > 0 ? [[], ...rows] : rows;
}

/** Whether `later` waits, directly or through other actions of the transition graph, for an action `earlier` accepts. */
export function waitsFor(t: Transition, later: GraphAction, earlier: (a: GraphAction) => boolean): boolean {
  const byId = new Map(t.actions.map((a) => [a.id, a]));
  const seen = new Set<string>();
  const queue = [...later.after];
  while (queue.length > 0) {
    const id = queue.pop() as string;
    const action = byId.get(id);
    if (action && earlier(action)) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    queue.push(...(action?.after ?? []));
  }
  return false;
}

/** A resource operation on `resource` (clone instance suffixes ignored), optionally on one node. */
export const isOperation = (a: GraphAction, resource: string, operations: readonly string[], node?: string): boolean =>
  a.kind === "rsc" && (a.resource ?? "").replace(/:\d+$/, "") === resource && operations.includes(a.operation) && (node === undefined || a.node === node);

/** Two copies, and starts of a failed host's domains that do not wait for its fencing. */
export function unsafeActions(t: Transition, failed: readonly string[], domains: readonly string[]): string[] {
  const found: string[] = [];
  for (const domain of domains) {
    const after = t.after ? runningOn(t.after, domain) : [];
    if (after.length > 1) found.push(`${domain} runs on ${after.join(" and ")}`);
    const from = runningOn(t.before, domain).filter((node) => failed.includes(node));
    for (const action of t.actions.filter((a) => isOperation(a, domain, ["start", "migrate_from"]))) {
      for (const node of from) {
        if (!waitsFor(t, action, (a) => a.kind === "fence" && a.node === node)) {
          found.push(`${action.operation} ${domain} on ${action.node ?? "?"} does not wait for fencing ${node}`);
        }
      }
    }
  }
  return found;
}

function compare(report: PlanReport, failed: readonly string[], t: Transition, after: boolean): ConfirmedSet {
  const domains = report.model.resources.filter((r) => r.isDomain && !r.disabled).map((r) => r.id);
  const outcome = failed.length === 0 ? { placement: report.steady, ambiguous: report.steadyAmbiguous, quorumLost: false } : outcomeAfter(report, failed);
  const status = after ? t.after : t.before;
  // A domain still shown on a failed, unfenced host runs nowhere Pacemaker can reach.
  const where = (id: string): string | undefined => (status ? runningOn(status, id).find((node) => !failed.includes(node)) : undefined);
  const simulated = new Map(domains.map((id) => [id, where(id)]));
  const plan = new Map(domains.map((id) => [id, outcome.placement.get(id)]));
  const differ = domains.filter((id) => plan.get(id) !== simulated.get(id));
  const unsafe = [
    ...differ.filter((id) => plan.get(id) !== undefined && simulated.get(id) === undefined).map((id) => `${id}: the plan runs it on ${plan.get(id) ?? "?"}, crm_simulate leaves it stopped`),
    ...unsafeActions(t, failed, domains),
  ];
  return { failed, quorumLost: outcome.quorumLost, uncertain: outcome.ambiguous.filter((id) => plan.has(id)), plan, simulated, differ, unsafe };
}

/** Replays `sets` (default: the borderline ones) through crm_simulate, starting from the state it settles into. */
export async function confirmPlan(context: ToolContext, cibText: string, report: PlanReport, sets: readonly (readonly string[])[] = borderlineSets(report)): Promise<ConfirmResult> {
  if (sets.length === 0) return { ok: true, sets: [] };
  const boot = await simulate(context, cibText, []);
  if (!boot.ok) return boot;
  const confirmed: ConfirmedSet[] = [];
  for (const failed of sets) {
    // For the steady state ([]) one more transition from the settled state shows it (its "before").
    const result = await simulate(context, boot.state, [failed.map((node) => ({ kind: "fail" as const, node }))]);
    if (!result.ok) return result;
    const step = result.steps[0];
    if (!step) return { ok: false, unavailable: false, message: "crm_simulate ran no step" };
    confirmed.push(compare(report, failed, step.transition, failed.length > 0));
  }
  return { ok: true, sets: confirmed };
}

const placed = (p: Placement, ids: readonly string[]): string => ids.map((id) => `${id}->${p.get(id) ?? "stopped"}`).join(" ");

/** The confirmation after the plan's table: one line per set, then the unsafe points. */
export function formatConfirmation(result: { readonly sets: readonly ConfirmedSet[] }): string {
  if (result.sets.length === 0) return "\nconfirm: no failure set is marked (?): nothing to replay\n";
  const out = [`\nconfirm: ${result.sets.length} set${result.sets.length === 1 ? "" : "s"} marked (?) replayed through crm_simulate:\n`];
  for (const set of result.sets) {
    const name = set.failed.length === 0 ? "(steady state)" : set.failed.join(",");
    const shown = [...new Set([...set.uncertain, ...set.differ])];
    const pessimistic = set.differ.length > 0 && set.differ.every((id) => set.plan.get(id) === undefined);
    const verdict =
      set.unsafe.length > 0 ? "DISAGREE (safety)"
      : pessimistic ? "crm_simulate runs more than the plan says (not a safety point)"
      : set.differ.length > 0 ? "placed on other hosts (not a safety point)"
      : "agree";
    const quorum = set.quorumLost ? " [quorum lost]" : "";
    out.push(`  ${name.padEnd(24)} plan: ${placed(set.plan, shown) || "-"} | crm_simulate: ${placed(set.simulated, shown) || "-"}${quorum}: ${verdict}\n`);
    for (const point of set.unsafe) out.push(`    ${point}\n`);
  }
  return out.join("");
}
