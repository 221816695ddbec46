/**
 * Randomized fault trials against a real Pacemaker cluster: a 3-node lab
 * (lib/lab), vm1 under ocf:xen-ha:XenDomain, and per trial one fault drawn
 * from a seeded generator (node crash, partition of a node, fences failing
 * before one succeeds, a hung toolstack, a guest crash, a crash of the
 * source or the target in mid-migration, the DC crashing during a
 * transition; doc/cluster-lab.md §4). Every node's simulated host is polled
 * every 20 ms for vm1 on two hosts; each trial must end with the service
 * answering and vm1 once. Prints one table; a failed trial prints the
 * command that replays it. Exit 1 when any trial failed. Needs root.
 *
 *   npm run trials -- [--count N] [--seed S] [--only K[,K...]] [--time-factor F] [--memory MiB]
 */
import { parseArgs } from "node:util";
import { labUnsupported } from "../../lib/lab/lab.ts";
import { failed, runTrials, trialTable } from "../support/fault-trials.ts";

const { values: options } = parseArgs({
  options: { count: { type: "string" }, seed: { type: "string" }, only: { type: "string" }, "time-factor": { type: "string" }, memory: { type: "string" } },
});
const positive = (text: string | undefined, fallback: number): number => (Number(text) > 0 ? Number(text) : fallback);
const seed = options.seed !== undefined && /^\d+$/.test(options.seed) ? Number(options.seed) >>> 0 : Math.floor(Math.random() * 2 ** 31);
const only = options.only?.split(",").map(Number);
if (only?.some((k) => !Number.isInteger(k) || k < 1)) {
  console.error("trials: --only takes trial numbers from 1, comma-separated");
  process.exit(2);
}
const indices = only ?? Array.from({ length: positive(options.count, 8) }, (_, i) => i + 1);
const timeFactor = positive(options["time-factor"], 0.2);
const memoryMiB = positive(options.memory, 1024);

const unsupported = await labUnsupported();
if (unsupported) {
  console.error(`trials: ${unsupported}`);
  process.exit(1);
}

let down: (() => Promise<unknown>) | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void (down?.() ?? Promise.resolve()).finally(() => process.exit(130)));

console.log(`trials: seed ${seed}, ${indices.length} trial(s), 3 nodes, token 1000 ms, simulator time factor ${timeFactor}, vm1 ${memoryMiB} MiB`);
const started = Date.now();
const run = await runTrials({ seed, indices, timeFactor, memoryMiB, onDown: (d) => (down = d), log: (line) => console.log(line) });
const { results } = run;
const bad = results.filter(failed);
console.log("");
console.log(trialTable(results));
console.log("");
const doubles = results.reduce((sum, r) => sum + r.twice.length, 0);
const polls = results.reduce((sum, r) => sum + r.polls, 0);
const trialMs = results.map((r) => r.trialMs).sort((a, b) => a - b);
console.log(
  `${results.length} trial(s), seed ${seed}: ${doubles} poll(s) of ${polls} saw vm1 on two hosts; ${results.filter((r) => r.restored).length} restored; ` +
    `lab up ${(run.labUpMs / 1000).toFixed(1)} s, a trial (fault, recovery, reset) median ${((trialMs[Math.floor(trialMs.length / 2)] ?? 0) / 1000).toFixed(1)} s, whole run ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
if (run.unrun.length > 0) console.log(`not run (the lab could not be reset): ${run.unrun.join(",")}`);
if (run.leftovers) console.log(`left behind: ${run.leftovers}`);
for (const r of bad) console.log(`FAILED trial ${r.index} (${r.fault}), seed ${seed}: replay with  npm run trials -- --seed ${seed} --only ${r.index}`);
process.exitCode = bad.length > 0 || run.unrun.length > 0 || run.leftovers ? 1 : 0;
