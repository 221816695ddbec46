import t from "tap";
import { matchGolden } from "../../support/golden.ts";
import { equivalenceLines } from "../../bench/cib-equivalence-lines.ts";

/**
 * The benchmark's clusters (test/bench/cib-clusters.ts: the hard 16x1000,
 * 16x180 and 5x180, the easy 16x1000 and 4x100) rendered, checked and planned
 * (`xen-ha cib plan` by default and with --failures 2): a sha256 of each
 * output. Speed work on the reader, the model or the planner must leave every
 * line as it is; a change meant to alter an answer regenerates the file with
 * UPDATE_GOLDEN=1 and says why. Also printed by test/bench/cib-equivalence.ts.
 */
t.test("render, check and plan outputs of the benchmark's clusters are unchanged", async (t) => {
  matchGolden(t, "cib/plan-equivalence.txt", `${equivalenceLines().join("\n")}\n`);
});
