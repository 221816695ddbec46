import t from "tap";
import { failoverProblems, failoverTimeline, migrationTimeline, moveProblems, STUDY } from "../../../lib/demo/cluster-demo.ts";
import { renderTimeline, type Timeline } from "../../../lib/demo/timeline.ts";
import type { FailoverOutcome, MoveOutcome } from "../../../lib/lab/scenarios.ts";
import { matchGolden } from "../../support/golden.ts";

/**
 * The demo's timelines, drawn from event lists recorded by `npm run demo`
 * on this machine (epoch ms as the lab reported them), against golden files.
 */
const T0 = 1_796_310_000_000;

const recordedMove: MoveOutcome = {
  source: "node2",
  target: "node3",
  startedAt: T0,
  results: [
    { op: "migrate_to", node: "node2", result: "ok", line: 200 },
    { op: "stop", node: "node2", result: "ok", line: 210 },
    { op: "migrate_from", node: "node3", result: "ok", line: 150 },
  ],
  totalMs: 6_360,
  outage: { startedAt: T0 + 5_630, gapMs: 320 },
  located: ["node3"],
  hostsAfter: ["node3"],
  xlCalls: {},
};

const recordedFailover: FailoverOutcome = {
  victim: "node3",
  survivor: "node2",
  crashedAt: T0,
  downtimeMs: 6_870,
  fence: { at: T0 + 2_610, action: "reboot", target: "node3" },
  fencedLine: 120,
  startResult: { op: "start", node: "node2", result: "ok", line: 131 },
  createdAt: T0 + 4_320,
  located: ["node2"],
  hostsAfter: ["node2"],
};

t.test("a live migration: the command, xl migrate, the client's gap, the study's 1-2 s", async (t) => {
  const text = renderTimeline(migrationTimeline(recordedMove, { startedAt: T0 + 3_050, endedAt: T0 + 5_950 }));
  matchGolden(t, "demo/timeline-migration.txt", text);
});

t.test("a host's power loss: detected, fenced, created elsewhere, answering; the study's 6-8 s", async (t) => {
  const text = renderTimeline(failoverTimeline(recordedFailover, T0, { at: T0 + 930, node: "node1" }));
  matchGolden(t, "demo/timeline-failover.txt", text);
});

t.test("events the demo could not see are left out, not drawn at 0", async (t) => {
  const blind = failoverTimeline({ ...recordedFailover, fence: undefined, createdAt: undefined }, T0, undefined);
  t.same(
    blind.events.map((e) => e.label),
    ["node3 loses power", "service answers again"],
  );
  const noXl = migrationTimeline(recordedMove, undefined);
  t.same(
    noXl.events.map((e) => e.label),
    ["crm_resource --move", "vm1 on node3 only, answering"],
  );
});

t.test("the renderer's edges", async (t) => {
  const base: Timeline = { title: "t", events: [{ label: "a", atMs: 0 }], outage: undefined, study: [] };
  const none = renderTimeline(base);
  t.match(none, /service outage\s+none seen/, "no failed probe: said in words, no bar");
  const tiny = renderTimeline({ ...base, outage: { fromMs: 100, toMs: 101 } });
  t.match(tiny, /█/, "an outage shorter than a column still shows one");
  t.match(tiny, /0\.00 s$/m, "and its length");
  const long = renderTimeline({ ...base, events: [{ label: "late", atMs: 95_000 }], study: [STUDY.betweenHosts] }, 48);
  const axis = long.split("\n")[1] ?? "";
  t.ok(axis.includes(" 0") && axis.includes("95") === false && /\b(90|95|100)\b/.test(axis), `a 95 s span gets a coarser axis (${axis.trim()})`);
  for (const line of long.split("\n")) t.ok([...line].length <= 120, `no line wider than 120 columns: ${line.trim().slice(0, 30)}`);
  const late = renderTimeline({ ...base, outage: { fromMs: 2_000, toMs: 2_500 }, study: [STUDY.betweenVms] });
  const bars = late.split("\n").filter((l) => /[█▒]/.test(l));
  t.equal(bars[0]?.indexOf("█"), bars[1]?.indexOf("▒"), "the study's bar starts where the outage starts");
});

/** The demo's verdicts: each misbehaviour the demo must exit non-zero for, made from the recorded good outcome. */
t.test("the verdicts: the recorded run is clean, every broken promise is named", async (t) => {
  t.same(moveProblems(recordedMove), [], "the recorded move is a clean live migration");
  t.same(failoverProblems(recordedFailover), [], "the recorded failover is clean");
  const moves: [string, Partial<MoveOutcome>, RegExp][] = [
    ["restarted instead of migrated", { results: [...recordedMove.results, { op: "start", node: "node3", result: "ok", line: 160 }] }, /restarted, not migrated/],
    ["migrate_from failed", { results: recordedMove.results.map((r) => (r.op === "migrate_from" ? { ...r, result: "error" } : r)) }, /did not both succeed/],
    ["left on two hosts", { hostsAfter: ["node2", "node3"] }, /not on node3 only/],
    ["ended on the source", { hostsAfter: ["node2"] }, /not on node3 only/],
  ];
  for (const [what, change, expected] of moves) t.match(moveProblems({ ...recordedMove, ...change }).join("; "), expected, `move: ${what}`);
  const failovers: [string, Partial<FailoverOutcome>, RegExp][] = [
    ["never fenced", { fence: undefined }, /node3 was not fenced/],
    ["created 1 ms before the fence was done", { createdAt: T0 + 2_609 }, /created on node2 before node3 was fenced/],
    ["no xl create seen", { createdAt: undefined }, /before node3 was fenced \(or either was not seen\)/],
    ["start failed", { startResult: { op: "start", node: "node2", result: "error", line: 131 } }, /start on node2 was not ok/],
    ["no start seen", { startResult: undefined }, /start on node2 was not ok/],
    ["running twice after", { hostsAfter: ["node1", "node2"] }, /not on node2 only/],
  ];
  for (const [what, change, expected] of failovers) t.match(failoverProblems({ ...recordedFailover, ...change }).join("; "), expected, `failover: ${what}`);
  t.same(failoverProblems({ ...recordedFailover, createdAt: T0 + 2_610 }), [], "created in the same millisecond the fence was done: allowed (fence_lab logs done before it returns)");
});
