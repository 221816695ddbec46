/**
 * Benchmark: how long fence_xen takes to prove a domain off, against one
 * local dom0, one dom0 over ssh and three dom0s over ssh, on the simulator at
 * real-Xen latencies (time factor 1). For each action: median wall time of the
 * whole agent process, and the simulated toolstack and ssh calls it made
 * (from the simulator's call logs). Prints a table; asserts nothing.
 *
 *   node test/bench/fence-bench.ts [--runs N]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCommand } from "../../lib/exec/command.ts";
import { callLog, cleanupSim, createSimHost, writeSampleConfig, type SimHost } from "../../lib/sim/index.ts";
import { median } from "./measure.ts";
import { formatTable } from "./table.ts";

const runsFlag = process.argv.indexOf("--runs");
const RUNS = runsFlag > 0 ? Math.max(1, Number(process.argv[runsFlag + 1]) || 3) : 3;
const AGENT = fileURLToPath(new URL("../../bin/fence_xen.ts", import.meta.url));

const root = mkdtempSync(join(tmpdir(), "fence-bench-"));
const hostNames = ["dom0a", "dom0b", "dom0c", "guest0"];
const hosts: Record<string, SimHost> = Object.fromEntries(
  hostNames.map((host) => [host, createSimHost({ root, host, timeFactor: 1 })]),
);
const quietEnv = (host: string) => ({ ...hosts[host]?.env, NODE_OPTIONS: "" });
const config = writeSampleConfig({ root, name: "vm1", memoryMiB: 1024 });

const callsSoFar = () =>
  hostNames.reduce(
    (sum, host) => {
      for (const call of callLog(root, host)) sum[call.tool === "ssh" ? "ssh" : "toolstack"] += 1;
      return sum;
    },
    { toolstack: 0, ssh: 0 },
  );

async function fence(dom0s: string, action: string): Promise<{ ms: number; rc: number | undefined }> {
  const stdin = `action=${action}\nport=vm1\ndom0_list=${dom0s}\nssh_host_key_policy=ignore\nconfig_dir=${join(root, "shared")}\n`;
  const result = await runCommand(process.execPath, [AGENT], { timeoutMs: 120_000, env: quietEnv("guest0"), input: stdin });
  return { ms: result.durationMs, rc: result.exitCode };
}

async function placeVm(host: string): Promise<void> {
  await runCommand("xl", ["destroy", "vm1"], { timeoutMs: 60_000, env: quietEnv(host) });
  const created = await runCommand("xl", ["create", config], { timeoutMs: 60_000, env: quietEnv(host) });
  if (created.exitCode !== 0) throw new Error(`xl create on ${host}: ${created.stderr}`);
}

const setups = [
  { label: "1 dom0, local", dom0s: "local", vmOn: "guest0" },
  { label: "1 dom0, ssh", dom0s: "dom0a", vmOn: "dom0a" },
  { label: "3 dom0s, ssh", dom0s: "dom0a dom0b dom0c", vmOn: "dom0c" },
];
const rows: (string | number)[][] = [];
try {
  for (const setup of setups) {
    for (const action of ["status", "off", "reboot"]) {
      const times: number[] = [];
      const calls = { toolstack: 0, ssh: 0 };
      let rc: number | undefined;
      for (let run = 0; run < RUNS; run++) {
        await placeVm(setup.vmOn);
        const start = callsSoFar();
        const measured = await fence(setup.dom0s, action);
        const end = callsSoFar();
        times.push(measured.ms);
        rc = measured.rc;
        calls.toolstack += end.toolstack - start.toolstack;
        calls.ssh += end.ssh - start.ssh;
      }
      rows.push([setup.label, action, rc ?? "killed", `${median(times)} ms`, (calls.toolstack / RUNS).toFixed(1), (calls.ssh / RUNS).toFixed(1)]);
    }
  }
  console.log(`fence_xen against simulated dom0s at real-Xen latencies (median of ${RUNS} runs; calls per run)\n`);
  console.log(formatTable(["dom0s", "action", "rc", "wall", "toolstack calls", "ssh calls"], rows));
} finally {
  cleanupSim(root);
  rmSync(root, { recursive: true, force: true });
}
