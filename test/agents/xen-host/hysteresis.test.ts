import t from "tap";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Colour } from "../../../agents/xen-host/health.ts";
import { damp, readMemory, type HealthMemory } from "../../../agents/xen-host/hysteresis.ts";
import { setHostKnobs } from "../../../lib/sim/index.ts";
import { xenHostStage } from "../../support/xen-host-stage.ts";

/**
 * Flapping damped (doc/xen-host.md §6): worse at once, better only after
 * recover_after checks in a row no worse than the new colour and min_dwell
 * seconds at the old one. Each row is a run of monitors: the checks' colour
 * and the wall-clock second of each, and what #health-xen says after each.
 */
interface Row {
  readonly name: string;
  readonly recoverAfter: number;
  readonly minDwell: number;
  /** [second, the checks' colour] per monitor. */
  readonly checks: readonly (readonly [number, Colour])[];
  readonly published: readonly Colour[];
}

const rows: readonly Row[] = [
  { name: "the first check is published as is", recoverAfter: 3, minDwell: 60, checks: [[0, "red"]], published: ["red"] },
  { name: "worse at once, whatever the dwell", recoverAfter: 3, minDwell: 600, checks: [[0, "green"], [1, "yellow"], [2, "red"]], published: ["green", "yellow", "red"] },
  {
    name: "red to green only after 3 green checks",
    recoverAfter: 3,
    minDwell: 0,
    checks: [[0, "red"], [30, "green"], [60, "green"], [90, "green"], [120, "green"]],
    published: ["red", "red", "red", "green", "green"],
  },
  {
    name: "a red in between starts the count again",
    recoverAfter: 3,
    minDwell: 0,
    checks: [[0, "red"], [30, "green"], [60, "green"], [90, "red"], [120, "green"], [150, "green"], [180, "green"]],
    published: ["red", "red", "red", "red", "red", "red", "green"],
  },
  {
    name: "flapping every monitor never leaves red",
    recoverAfter: 2,
    minDwell: 0,
    checks: [[0, "red"], [30, "green"], [60, "red"], [90, "green"], [120, "red"], [150, "green"]],
    published: ["red", "red", "red", "red", "red", "red"],
  },
  {
    name: "red to yellow when the checks are mixed green and yellow",
    recoverAfter: 2,
    minDwell: 0,
    checks: [[0, "red"], [30, "yellow"], [60, "green"], [90, "green"]],
    published: ["red", "red", "yellow", "green"],
  },
  {
    name: "the dwell holds red although the checks are green",
    recoverAfter: 1,
    minDwell: 120,
    checks: [[0, "red"], [30, "green"], [60, "green"], [119, "green"], [120, "green"]],
    published: ["red", "red", "red", "red", "green"],
  },
  {
    name: "the dwell counts from the latest worsening",
    recoverAfter: 1,
    minDwell: 100,
    checks: [[0, "yellow"], [90, "red"], [150, "green"], [190, "green"]],
    published: ["yellow", "red", "red", "green"],
  },
  {
    name: "recover_after 1 and no dwell: no damping at all",
    recoverAfter: 1,
    minDwell: 0,
    checks: [[0, "red"], [1, "green"], [2, "yellow"], [3, "green"]],
    published: ["red", "green", "yellow", "green"],
  },
  {
    name: "a wall clock set back does not hold the colour for ever",
    recoverAfter: 1,
    minDwell: 60,
    checks: [[10_000, "red"], [100, "green"], [159, "green"], [160, "green"]],
    published: ["red", "red", "red", "green"],
  },
];

t.test("the rule, monitor by monitor", async (t) => {
  for (const row of rows) {
    let memory: HealthMemory | undefined;
    const published = row.checks.map(([second, colour]) => {
      const result = damp(memory, colour, colour === "green" ? "" : `${colour} cause at ${second}`, second * 1000, { recoverAfter: row.recoverAfter, minDwellMs: row.minDwell * 1000 });
      // as the state file carries it from one monitor process to the next
      memory = readMemory(JSON.stringify(result.memory));
      return result.publish;
    });
    t.same(published, row.published, row.name);
  }
});

t.test("a held colour says why, naming the cause of the colour held", async (t) => {
  const rule = { recoverAfter: 3, minDwellMs: 60_000 };
  const first = damp(undefined, "red", "red: toolstack: xl info: no answer", 0, rule);
  const held = damp(first.memory, "green", "", 30_000, rule);
  t.equal(held.publish, "red");
  t.equal(held.held, "held red while recovering (1 of 3 checks better, 30 of 60 s dwelt); red because red: toolstack: xl info: no answer");
});

t.test("state files nobody meant are no memory", async (t) => {
  for (const text of ["", "{", "null", "[]", '"red"', '{"published":"purple","since":0,"recent":[],"cause":""}', '{"published":"red","since":"0","recent":[],"cause":""}', '{"published":"red","since":0,"recent":["red","blue"],"cause":""}', '{"published":"red","since":1e999,"recent":[],"cause":""}', "\u0000"]) {
    t.equal(readMemory(text), undefined, JSON.stringify(text));
  }
  t.same(readMemory('{"published":"yellow","since":5,"recent":["green"],"cause":"c"}'), { published: "yellow", since: 5, recent: ["green"], cause: "c" });
});

t.test("the agent: a hung toolstack turns the host red at once; healed, it stays red for recover_after monitors", async (t) => {
  const s = xenHostStage();
  t.teardown(s.dispose);
  const env = { OCF_RESKEY_recover_after: "2", OCF_RESKEY_min_dwell: "0", OCF_RESKEY_toolstack_timeout: "1" };
  const health = async () => (await s.attributes())["#health-xen"];
  t.equal((await s.run("start", env)).code, 0);
  t.equal(await health(), "green", "start: green");
  setHostKnobs(s.root, "node1", { hang: ["info"] });
  const hung = await s.run("monitor", env);
  t.equal(hung.code, 0);
  t.equal(await health(), "red", "hung: red at the first monitor");
  setHostKnobs(s.root, "node1", { hang: [] });
  const first = await s.run("monitor", env);
  t.equal(await health(), "red", "healed, 1 green check: still red");
  t.match(first.reasons.at(-1) ?? "", /^checks green; held red while recovering \(1 of 2 checks better, \d+ of 0 s dwelt\); red because red: toolstack: xl info: no answer/);
  t.match(first.stderr, /WARN: host checks green, held red while recovering/, "logged");
  const second = await s.run("monitor", env);
  t.equal(await health(), "green", "2 green checks: green");
  t.same(second.reasons, [], "no exit reason once green");
  t.equal((await s.run("stop", env)).code, 0);
  setHostKnobs(s.root, "node1", { hang: ["info"] });
  t.equal((await s.run("start", env)).code, 0);
  t.equal(await health(), "red", "stop forgot the history: a new start publishes what it finds");
});

t.test("the agent: min_dwell holds red although the checks are green", async (t) => {
  const s = xenHostStage();
  t.teardown(s.dispose);
  const env = { OCF_RESKEY_recover_after: "1", OCF_RESKEY_min_dwell: "3600", OCF_RESKEY_toolstack_timeout: "1" };
  setHostKnobs(s.root, "node1", { hang: ["info"] });
  t.equal((await s.run("start", env)).code, 0);
  setHostKnobs(s.root, "node1", { hang: [] });
  for (let i = 0; i < 2; i += 1) {
    const monitor = await s.run("monitor", env);
    t.match(monitor.reasons.at(-1) ?? "", /held red while recovering \(\d+ of 1 checks better, \d+ of 3600 s dwelt\)/);
  }
  t.equal((await s.attributes())["#health-xen"], "red", "still red");
});

t.test("the agent: a torn state file is no memory, and the checks' colour is published", async (t) => {
  const s = xenHostStage();
  t.teardown(s.dispose);
  t.equal((await s.run("start")).code, 0);
  writeFileSync(join(s.env["HA_RSCTMP"]!, "XenHost-xen-host.health"), '{"published":"red","sin');
  t.equal((await s.run("monitor")).code, 0);
  t.equal((await s.attributes())["#health-xen"], "green");
});
