import t, { type Test } from "tap";
import { findTemplate } from "../../../cib-templates/index.ts";
import { readCibText } from "../../../lib/cib/check/check.ts";
import { claimBreaks, outcomeAfter, planCib, type PlanReport } from "../../../lib/cib/plan/plan.ts";
import { assignExplained } from "../../../lib/cib/plan/assign.ts";
import { renderTemplate } from "../../../lib/cib/author/render.ts";
import { seededRandom } from "../../support/seeded-random.ts";
import { hardValues } from "../../bench/cib-clusters.ts";

/**
 * The planner's shortcuts against the slow path as oracle, on random capacity
 * clusters built to break: hosts sized from 75% to 130% of the load, so some
 * claims hold and some do not; domains of mixed sizes and priorities, a
 * random protected priority, anti-affinity groups of 2 or 3 (some larger than
 * the hosts left), spares, and a votequorum option, so quorum is lost in some
 * sets.
 *  - `claimBreaks` (what `cib check` asks about a claim) counts the same
 *    broken sets out of the same number as planCib's table for that many
 *    failures, and its first broken set is the table's first, in full.
 *  - An assignment's outcome does not depend on which failure sets were
 *    assigned before it (the assignment keeps buffers and sort state between
 *    sets, and refills only what the hosts that changed state alter), nor on
 *    the shortcuts: every set's placement, assigned after a shuffled run of
 *    other sets, equals the slow path's (`slow`), an assignment from a copy of
 *    the steady placement, which shares no prepared state with the others,
 *    and tests every allowed node's capacity where the fast path tests only
 *    the best ones. A third of the clusters get extra -INFINITY colocations
 *    between random domains, some both ways (a cycle), where the capacity
 *    shortcut must not be taken.
 * The same test runs on the benchmark's hard clusters (16 and 5 hosts, 180 domains): small random
 * clusters rarely have an outcome that depends on the assignment order between domains of equal priority.
 * PLAN_SEED=<n> replays a run; PLAN_CLUSTERS=<n> runs more.
 */
const SEED = Number(process.env["PLAN_SEED"] ?? 20261204);
const CLUSTERS = Number(process.env["PLAN_CLUSTERS"] ?? 12);

function randomCluster(random: () => number, index: number): { template: string; values: Record<string, string>; hosts: string[]; extra: (readonly [string, string])[] } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const active = 2 + Math.floor(random() * 5);
  const spares = Math.floor(random() * 3);
  const hosts = Array.from({ length: active + spares }, (_, i) => `xen${String(i + 1).padStart(2, "0")}`);
  const names = Array.from({ length: active * (3 + Math.floor(random() * 8)) }, (_, i) => `c${index}d${i}`);
  const sizes = names.map(() => [pick([512, 1024, 2048, 4096]), pick([1, 2, 4])] as const);
  const load = 0.75 + random() * 0.55;
  const memory = sizes.reduce((sum, [m]) => sum + m, 0);
  const cpus = sizes.reduce((sum, [, c]) => sum + c, 0);
  const unused = [...names].sort(() => random() - 0.5);
  const groups = Array.from({ length: Math.floor(random() * 4) }, () => unused.splice(0, Math.min(hosts.length, 2 + Math.floor(random() * 2)))).filter((g) => g.length >= 2);
  const values: Record<string, string> = {
    nodes: hosts.slice(0, active).join(","),
    ipmi_addresses: hosts.map((_, i) => `192.0.2.${10 + i}`).join(","),
    domains: names.map((name, i) => `${name}:${sizes[i]?.[0] ?? 1024}:${sizes[i]?.[1] ?? 1}:${pick([0, 0, 0, 5, 10])}`).join(","),
    node_memory: String(Math.ceil(memory / active / load)),
    node_cpus: String(Math.ceil(cpus / active / load)),
    placement_strategy: pick(["balanced", "balanced", "utilization", "minimal"]),
    protected_priority: String(pick([0, 0, 5, 10])),
  };
  if (spares > 0) values["spares"] = hosts.slice(active).join(",");
  else values["failures_tolerated"] = String(1 + Math.floor(random() * Math.min(2, active - 1)));
  const quorum = pick(["majority", "last_man_standing", "auto_tie_breaker"]);
  if (quorum !== "majority") values["quorum"] = quorum;
  if (groups.length > 0) values["separate"] = groups.map((g) => g.join("+")).join(",");
  const extra = random() < 0.34 ? Array.from({ length: 1 + Math.floor(random() * 3) }, () => [pick(names), pick(names)] as const).filter(([a, b]) => a !== b) : [];
  if (extra.length > 0 && random() < 0.5) extra.push([extra[0]?.[1] ?? "", extra[0]?.[0] ?? ""]);
  return { template: spares > 0 ? "n-plus-m" : "n-plus-n", values, hosts, extra };
}

/** The rendered CIB with `extra` dependent/primary pairs as -INFINITY colocations (no template renders a cycle). */
const withExtra = (text: string, extra: readonly (readonly [string, string])[]): string =>
  text.replace("</constraints>", `${extra.map(([a, b], i) => `<rsc_colocation id="extra-${i}" rsc="vm-${a}" with-rsc="vm-${b}" score="-INFINITY"/>`).join("")}</constraints>`);

const read = (text: string) => {
  const result = readCibText(text);
  if (!result.ok) throw new Error(result.problem);
  return result.cib;
};

/** Each set's placement assigned in this order, after the report's own sets, against a fresh assignment of it alone. */
function sameAsSlowPath(t: Test, report: PlanReport, sets: readonly string[][]): void {
  const outcomes = sets.map((set) => outcomeAfter(report, set));
  sets.forEach((set, i) => {
    const outcome = outcomes[i];
    if (!outcome || outcome.quorumLost) return;
    const up = new Set(report.model.nodes.filter((node) => !set.includes(node)));
    const slow = assignExplained(report.model, up, new Map(report.steady), { slow: true });
    t.same(outcome.placement, slow.placement, `${set.join(",") || "(none)"} down: the same placement as the slow path`);
    t.same([outcome.keptApart, outcome.ambiguous], [slow.keptApart, slow.ambiguous], `${set.join(",") || "(none)"} down: the same explanations`);
  });
}

t.comment(`seed ${SEED}, ${CLUSTERS} clusters (PLAN_SEED=${SEED} replays this run)`);
const random = seededRandom(SEED);
let brokenSeen = 0;
for (let index = 0; index < CLUSTERS; index++) {
  const cluster = randomCluster(random, index);
  t.test(`cluster ${index}: ${cluster.template} ${JSON.stringify(cluster.values)} ${JSON.stringify(cluster.extra)}`, async (t) => {
    const template = findTemplate(cluster.template);
    if (!template) return t.fail("template exists");
    const result = renderTemplate(template, cluster.values);
    if (!result.ok) return t.fail(result.problems.join("; "));
    const rendered = { text: withExtra(result.text, cluster.extra) };
    for (let failures = 0; failures <= Math.min(3, cluster.hosts.length); failures++) {
      const table = planCib(read(rendered.text), { failures, searchTolerance: false });
      const broken = table.cases.filter((c) => c.lost.length > 0);
      const fast = claimBreaks(read(rendered.text), failures);
      brokenSeen += broken.length;
      t.equal(fast.sets, table.cases.length, `${failures} failed: as many sets`);
      t.equal(fast.broken, broken.length, `${failures} failed: as many broken sets`);
      t.same(fast.first, broken[0], `${failures} failed: the same first broken set`);
      t.same(fast.protectedDomains, table.protectedDomains, "the same protected domains");
    }
    // Every set of up to 3 hosts, assigned in a shuffled order after one another, against the slow path.
    const all: string[][] = [[]];
    for (const host of cluster.hosts) for (const set of [...all]) if (set.length < 3) all.push([...set, host]);
    sameAsSlowPath(t, planCib(read(rendered.text), { failures: 1 }), [...all].sort(() => random() - 0.5));
  });
}
for (const nodes of [16, 5]) {
  t.test(`hard ${nodes}x180: a set's placement does not depend on the sets assigned before it`, async (t) => {
    const template = findTemplate("n-plus-m");
    if (!template) return t.fail("template exists");
    const rendered = renderTemplate(template, hardValues(nodes, 180));
    if (!rendered.ok) return t.fail(rendered.problems.join("; "));
    const hosts = Array.from({ length: nodes }, (_, i) => `xen${String(i + 1).padStart(2, "0")}`);
    const sets = Array.from({ length: 24 }, () => [...hosts].sort(() => random() - 0.5).slice(0, 1 + Math.floor(random() * 4)).sort());
    sameAsSlowPath(t, planCib(read(rendered.text), { failures: 1, searchTolerance: false }), sets);
  });
}
t.test("the clusters include claims that break", async (t) => {
  t.ok(brokenSeen > 0, `${brokenSeen} broken sets seen`);
});
