/**
 * Simulator benchmark: what one simulated toolstack call costs (process start,
 * TypeScript loading, the state file) and how long the timed operations take
 * at a given time factor. Prints a table; asserts nothing.
 *
 *   node test/bench/sim-bench.ts [--runs N] [--time-factor F]
 *
 * Rows: each command run through the host's launcher, as an agent runs it.
 * "cold" empties the shared compile cache first (the first call after a
 * reboot or an install); the others run with it warm.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanupSim, createSimHost, writeSampleConfig } from "../../lib/sim/index.ts";
import { compileCacheDir } from "../../lib/sim/host/processes.ts";
import { measure, median, type Measured } from "./measure.ts";
import { formatTable } from "./table.ts";

const flag = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) || fallback : fallback;
};
const RUNS = flag("--runs", 7);
const FACTOR = flag("--time-factor", 0.01);

const root = mkdtempSync(join(tmpdir(), "xen-ha-sim-bench-"));
try {
  const xlHost = createSimHost({ root, host: "bench-xl", timeFactor: FACTOR, basePath: "/usr/bin:/bin" });
  const xmHost = createSimHost({ root, host: "bench-xm", timeFactor: FACTOR, persona: "xm", basePath: "/usr/bin:/bin" });
  const cfg = writeSampleConfig({ root, name: "vm1" });
  const xl = join(xlHost.binDir, "xl");
  const rows: (string | number)[][] = [];
  const row = (label: string, runs: Measured[]): void => {
    rows.push([label, runs.length, median(runs.map((r) => r.wallMs)), median(runs.map((r) => r.cpuMs)), runs.filter((r) => r.rc !== 0).length]);
  };
  const times = async (n: number, file: string, args: string[], env: Record<string, string>, before?: () => void | Promise<void>) => {
    const runs: Measured[] = [];
    for (let i = 0; i < n; i++) {
      await before?.();
      runs.push(await measure(file, args, env));
    }
    return runs;
  };

  row("xl list (cold compile cache)", await times(3, xl, ["list"], xlHost.env, () => rmSync(compileCacheDir(), { recursive: true, force: true })));
  row("xl list", await times(RUNS, xl, ["list"], xlHost.env));
  row("xl info free_memory", await times(RUNS, xl, ["info", "free_memory"], xlHost.env));
  row("xm list", await times(RUNS, join(xmHost.binDir, "xm"), ["list"], xmHost.env));
  row("ssh bench-xm xm list", await times(RUNS, join(xlHost.binDir, "ssh"), ["bench-xm", "xm", "list"], xlHost.env));
  const lifecycle: Record<string, Measured[]> = { create: [], "list vm1": [], destroy: [], "shutdown -w": [] };
  for (let i = 0; i < RUNS; i++) {
    lifecycle["create"]!.push(await measure(xl, ["create", "-q", cfg], xlHost.env));
    lifecycle["list vm1"]!.push(await measure(xl, ["list", "vm1"], xlHost.env));
    lifecycle["destroy"]!.push(await measure(xl, ["destroy", "vm1"], xlHost.env));
    await measure(xl, ["create", "-q", cfg], xlHost.env);
    await new Promise((resolve) => setTimeout(resolve, 100));
    lifecycle["shutdown -w"]!.push(await measure(xl, ["shutdown", "-w", "vm1"], xlHost.env));
    while ((await measure(xl, ["list", "vm1"], xlHost.env)).rc === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (const [name, runs] of Object.entries(lifecycle)) row(`xl ${name} (time factor ${FACTOR})`, runs);
  console.log(`Simulated toolstack calls through the launchers, Node ${process.versions.node}, median of the runs`);
  console.log(formatTable(["call", "runs", "wall ms", "cpu ms", "failed"], rows));
} finally {
  cleanupSim(root);
  rmSync(root, { recursive: true, force: true });
}
