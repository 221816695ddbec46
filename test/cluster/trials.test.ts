/**
 * A short seeded subset of the randomized fault trials (`npm run trials`,
 * test/support/fault-trials.ts) on a real 3-node Pacemaker lab: seed 24's
 * first three trials are a crash of the source in mid-migration, a
 * partition of the node running vm1 and the DC crashing during a move.
 * Each must end with vm1's service answering, vm1 on one host, its old
 * host fenced before vm1 was created anew, and no 20 ms poll of every
 * node's simulated host seeing vm1 twice. Needs root and the cluster
 * packages; skipped with the reason otherwise.
 */
import t from "tap";
import { labUnsupported } from "../../lib/lab/lab.ts";
import { failed, planTrial, runTrials, trialTable } from "../support/fault-trials.ts";

const SEED = 24;
const INDICES = [1, 2, 3];

t.test("seeded fault trials on a 3-node lab", { skip: (await labUnsupported()) ?? false }, async (t) => {
  t.same(
    INDICES.map((k) => planTrial(SEED, k).fault),
    ["migration-source-crash", "partition", "dc-crash"],
    "the seed still draws the faults this test is about",
  );
  let down: (() => Promise<unknown>) | undefined;
  t.teardown(() => down?.());
  const run = await runTrials({ seed: SEED, indices: INDICES, timeFactor: 0.2, memoryMiB: 1024, onDown: (d) => (down = d), log: (line) => t.comment(line) });
  t.comment(`\n${trialTable(run.results)}`);
  t.equal(run.results.length, INDICES.length, "every trial ran (the lab could be reset after each)");
  for (const r of run.results) {
    t.same(r.twice, [], `trial ${r.index} (${r.fault}): no poll of ${r.polls} saw vm1 on two hosts`);
    t.ok(r.restored, `trial ${r.index}: the service answers again (${r.restoreMs} ms after the fault), vm1 on ${r.hostAfter}`);
    t.equal(r.problem, undefined, `trial ${r.index}: every node taken out was fenced, vm1 created only after`);
    t.notOk(failed(r), `trial ${r.index} passed; replay: npm run trials -- --seed ${SEED} --only ${r.index}`);
  }
  t.equal(run.leftovers, undefined, "the lab left no namespace, mount or process");
});
