/**
 * Benchmark: what a domain that vanished costs XenDomain, at xl's real
 * timings (time factor 1: create 1.5 s, restart sleep 2 s). Three cases on a
 * simulated host, the agent run in-process (no Node start-up in the figures):
 * - start after an out-of-band `xl destroy` of the domain this host ran;
 * - the recurring monitor after that destroy (Pacemaker's failure detection);
 * - the recurring monitor while xl restarts the domain (a guest reboot).
 * For each: wall time, toolstack calls, the answer. Prints a table; asserts
 * nothing. Run it at an older commit for the "before" figures.
 *
 *   node test/bench/restart-bench.ts [--runs N]
 */
import { stopGuest } from "../../lib/sim/index.ts";
import { pacemakerEnv } from "../support/run-agent-in-process.ts";
import { simResource, type SimResource } from "../support/sim-resource.ts";
import { median } from "./measure.ts";
import { formatTable } from "./table.ts";

const runsFlag = process.argv.indexOf("--runs");
const RUNS = runsFlag > 0 ? Math.max(1, Number(process.argv[runsFlag + 1]) || 3) : 3;

const recurring = pacemakerEnv("vm1-rsc", { timeoutMs: 30_000, intervalMs: 10_000 });
const start = pacemakerEnv("vm1-rsc", { timeoutMs: 60_000 });

async function until(ready: () => boolean, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!ready()) {
    if (Date.now() > end) throw new Error("scene not reached");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Case {
  readonly row: string;
  readonly action: "start" | "monitor";
  readonly scene: (r: SimResource) => Promise<void>;
}

const destroyed = async (r: SimResource): Promise<void> => {
  await r.xl("destroy", r.name);
};
const rebooting = async (r: SimResource): Promise<void> => {
  stopGuest(r.root, r.host, r.name, "reboot");
  await until(() => r.domain() === undefined);
};

const CASES: readonly Case[] = [
  { row: "start after an out-of-band destroy", action: "start", scene: destroyed },
  { row: "monitor after an out-of-band destroy", action: "monitor", scene: destroyed },
  { row: "monitor during xl's restart (guest reboot)", action: "monitor", scene: rebooting },
];

const rows: string[][] = [];
for (const c of CASES) {
  const walls: number[] = [];
  const calls: number[] = [];
  const codes = new Set<number>();
  for (let run = 0; run < RUNS; run++) {
    const r = simResource({ host: { timeFactor: 1 } });
    try {
      if ((await r.run("start", start)).code !== 0) throw new Error("setup: start failed");
      if ((await r.run("monitor", recurring)).code !== 0) throw new Error("setup: monitor failed");
      await c.scene(r);
      const before = r.calls().length;
      const outcome = await r.run(c.action, c.action === "start" ? start : recurring);
      walls.push(outcome.ms);
      calls.push(r.calls().length - before);
      codes.add(outcome.code);
    } finally {
      r.dispose();
    }
  }
  rows.push([c.row, `${median(walls)} ms`, String(median(calls)), [...codes].join("/")]);
}
process.stdout.write(`XenDomain when a domain it ran is missing, xl timings at factor 1, ${RUNS} runs (medians)\n\n`);
process.stdout.write(`${formatTable(["case", "wall", "toolstack calls", "rc"], rows)}\n`);
