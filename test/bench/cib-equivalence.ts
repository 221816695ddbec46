/**
 * Speed work on the planner must not change a single answer: this prints a
 * sha256 of each output that matters, for the benchmark's clusters, to be
 * compared before and after a change (save one run, diff the next):
 *
 *   node test/bench/cib-equivalence.ts > before.txt   # (on the old code)
 *   node test/bench/cib-equivalence.ts | diff before.txt -
 *
 * Per cluster: the rendered text, `cib check`'s findings (without crm_verify),
 * and the `xen-ha cib plan` report, by default and with --failures 2.
 * test/lib/cib/plan-equivalence.test.ts holds the same figures as a golden file.
 */
import { equivalenceLines } from "./cib-equivalence-lines.ts";

for (const line of equivalenceLines()) console.log(line);
