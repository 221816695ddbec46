/**
 * Benchmark: XenDomain (installed, run by path) beside the installed
 * ocf:heartbeat:Xen, on the same simulated host with the same time factor.
 * For each action: wall time, CPU (user+sys of the agent and the toolstack
 * calls it waited for), and the number of toolstack calls (the simulator's
 * call log). First, the agents' own cost: meta-data, probe and monitor
 * against an xl that answers from a recorded listing in a few ms
 * (fake-xl.ts), with peak memory, beside the goals. Prints tables; asserts
 * nothing.
 *
 *   npm run bench [-- --runs N] [-- --cost-only]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleAgent } from "../../lib/install/bundle.ts";
import { OCF_NODE_FLAGS } from "../../lib/install/launcher.ts";
import { callLog, cleanupSim, createSimHost, listDomains, writeSampleConfig } from "../../lib/sim/index.ts";
import { installToTemp } from "../support/install-once.ts";
import { INTEGRATION_TIME_FACTOR, SYSTEM_PATH } from "../support/installed-sim.ts";
import { pacemakerEnv } from "../support/run-agent-in-process.ts";
import { writeFakeXl } from "./fake-xl.ts";
import { measure, median, type Measured } from "./measure.ts";
import { formatTable } from "./table.ts";

const runsFlag = process.argv.indexOf("--runs");
const RUNS = runsFlag > 0 ? Math.max(1, Number(process.argv[runsFlag + 1]) || 5) : 5;
const HOST = "bench";
const DOMAIN = "vm-bench";

interface Agent {
  readonly label: string;
  readonly path: string;
  readonly provider: string;
  readonly type: string;
}

interface Operation {
  readonly row: string;
  readonly action: string;
  readonly timeoutMs: number;
  readonly intervalMs: number | undefined;
}

/** The operations measured, with the op environment Pacemaker would give (timeouts in ms). */
const OPERATIONS: readonly Operation[] = [
  { row: "meta-data", action: "meta-data", timeoutMs: 5_000, intervalMs: undefined },
  { row: "probe (stopped)", action: "monitor", timeoutMs: 20_000, intervalMs: 0 },
  { row: "start", action: "start", timeoutMs: 60_000, intervalMs: undefined },
  { row: "monitor (running)", action: "monitor", timeoutMs: 20_000, intervalMs: 10_000 },
  { row: "stop", action: "stop", timeoutMs: 40_000, intervalMs: undefined },
];

/** What Pacemaker gives an agent for one operation on the benchmark's domain. */
function operationEnv(agent: Agent, op: { readonly timeoutMs: number; readonly intervalMs: number | undefined }, config: string) {
  return {
    ...pacemakerEnv(`${DOMAIN}-rsc`, { timeoutMs: op.timeoutMs, ...(op.intervalMs === undefined ? {} : { intervalMs: op.intervalMs }) }),
    OCF_RESOURCE_TYPE: agent.type,
    OCF_RESOURCE_PROVIDER: agent.provider,
    OCF_RESKEY_xmfile: config,
    OCF_RESKEY_name: DOMAIN,
  };
}

/** The goals for one start of the agent (issue 9): per operation, wall and CPU; and peak memory for all. */
const COST_GOALS: Readonly<Record<string, number>> = { "meta-data": 40, "probe (stopped)": 50, "monitor (running)": 50 };
const MEMORY_GOAL_MIB = 45;
const COST_RUNS = 3 * RUNS;

const installed = await installToTemp("xen-ha-bench-");
const simRoot = join(installed.base, "sim");
const AGENTS: readonly Agent[] = [
  { label: "xen-ha:XenDomain", path: installed.agentPath("XenDomain"), provider: "xen-ha", type: "XenDomain" },
  { label: "heartbeat:Xen", path: "/usr/lib/ocf/resource.d/heartbeat/Xen", provider: "heartbeat", type: "Xen" },
];

/** The agents' own cost: the same operations against the fake xl, so nothing but the agent is measured. */
async function ownCost(): Promise<void> {
  const fake = writeFakeXl(join(installed.base, "fake-xl"));
  const config = join(installed.base, `${DOMAIN}.cfg`);
  writeFileSync(config, `name = "${DOMAIN}"\nmemory = 1024\nvcpus = 2\n`);
  const rsctmp = (row: string): string => {
    const dir = join(installed.base, `rsctmp-${row.replace(/\W+/g, "-")}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const operations = [
    { row: "meta-data", action: "meta-data", running: false, timeoutMs: 5_000, intervalMs: undefined },
    { row: "probe (stopped)", action: "monitor", running: false, timeoutMs: 20_000, intervalMs: 0 },
    { row: "monitor (running)", action: "monitor", running: true, timeoutMs: 20_000, intervalMs: 10_000 },
  ] as const;
  const agents = AGENTS;
  const results = new Map<string, Measured[]>();
  for (let run = 0; run < COST_RUNS; run++) {
    for (const op of operations) {
      fake.show(op.running ? DOMAIN : undefined);
      for (const agent of agents) {
        const env = {
          ...operationEnv(agent, op, config),
          // one record dir per row: a probe after a monitor that saw the domain would (rightly) re-check for 5 s
          HA_RSCTMP: rsctmp(op.row),
          PATH: `${fake.binDir}:${SYSTEM_PATH}`,
        };
        const measured = await measure(agent.path, [op.action], env);
        const want = op.action === "meta-data" || op.running ? 0 : 7;
        if (measured.rc !== want) throw new Error(`${agent.label} ${op.row}: rc ${measured.rc}, expected ${want}: ${measured.stderr}`);
        const key = `${op.row}\0${agent.label}`;
        results.set(key, [...(results.get(key) ?? []), measured]);
      }
    }
  }
  // the floors under every figure of the agents, interleaved: one fake xl alone; the installed Node starting and
  // doing nothing; and that Node running `xl list` under the agents' runner, flags and bundling (floor-xl.ts)
  const node = join(installed.dirs.prefix, "bin", "node");
  const floorProgram = join(installed.base, "floor-xl.cjs");
  await bundleAgent(fileURLToPath(new URL("./floor-xl.ts", import.meta.url)), floorProgram);
  const xlList: Measured[] = [];
  const nodeAlone: Measured[] = [];
  const floor: Measured[] = [];
  for (let run = 0; run < COST_RUNS; run++) {
    xlList.push(await measure(join(fake.binDir, "xl"), ["list"], { PATH: SYSTEM_PATH }));
    nodeAlone.push(await measure(node, ["-e", "0"], { PATH: SYSTEM_PATH }));
    const measured = await measure(node, [...OCF_NODE_FLAGS, floorProgram], { PATH: `${fake.binDir}:${SYSTEM_PATH}` });
    if (measured.rc !== 0) throw new Error(`floor-xl: rc ${measured.rc}: ${measured.stderr}`);
    floor.push(measured);
  }

  const rows = operations.flatMap((op) =>
    agents.map((agent) => {
      const measured = results.get(`${op.row}\0${agent.label}`)!;
      const wall = median(measured.map((m) => m.wallMs));
      const cpu = median(measured.map((m) => m.cpuMs));
      const rss = median(measured.map((m) => m.peakRssMiB * 10)) / 10;
      const goal = COST_GOALS[op.row]!;
      const verdict =
        agent.provider !== "xen-ha"
          ? ""
          : wall <= goal && cpu <= goal && rss <= MEMORY_GOAL_MIB
            ? "met"
            : `over (${[wall > goal ? "wall" : "", cpu > goal ? "CPU" : "", rss > MEMORY_GOAL_MIB ? "memory" : ""].filter(Boolean).join(", ")})`;
      return [op.row, agent.label, `${wall} ms`, `${cpu} ms`, `${rss} MiB`, agent.provider === "xen-ha" ? `<= ${goal} ms, <= ${MEMORY_GOAL_MIB} MiB` : "", verdict];
    }),
  );
  const reference = (row: string, label: string, runs: readonly Measured[]) =>
    rows.push([row, label, `${median(runs.map((m) => m.wallMs))} ms`, `${median(runs.map((m) => m.cpuMs))} ms`, `${median(runs.map((m) => m.peakRssMiB * 10)) / 10} MiB`, "", ""]);
  reference("(one fake `xl list`)", "sh", xlList);
  reference("(Node's own start)", "node -e 0", nodeAlone);
  reference("(Node + one `xl list`)", "floor-xl.ts", floor);
  process.stdout.write(
    `The agents' own cost: xl answers \`xl list\` from a recorded listing (test/bench/fake-xl.ts), ${COST_RUNS} runs each (medians)\n\n` +
      `${formatTable(["action", "agent", "wall", "CPU", "peak RSS", "goal (wall and CPU)", "verdict"], rows)}\n\n` +
      "CPU and peak RSS include the one toolstack call of probe and monitor (the row `one fake xl list` shows what it\n" +
      "costs); `Node's own start` is the installed Node doing nothing; `Node + one xl list` is that Node running the\n" +
      "same xl list under the agents' runner and flags, and nothing else: the floor under probe and monitor.\n" +
      `Load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(" ")}.\n\n`,
  );
}

/** The full operations on the simulated host (the toolstack's own latency included), beside heartbeat:Xen. */
async function onSimulatedHost(): Promise<void> {
  const sim = createSimHost({ root: simRoot, host: HOST, persona: "xl-4.17", timeFactor: INTEGRATION_TIME_FACTOR, basePath: SYSTEM_PATH });
  const config = writeSampleConfig({ root: simRoot, name: DOMAIN });
  const agents = AGENTS;
  const calls = () => callLog(simRoot, HOST).length;
  const domainState = () => listDomains(simRoot, HOST).find((d) => d.name === DOMAIN)?.state;

  const results = new Map<string, { measured: Measured[]; calls: number[] }>();
  for (const agent of agents) {
    for (let run = 0; run < RUNS; run++) {
      for (const op of OPERATIONS) {
        const env = {
          ...operationEnv(agent, op, config),
          HA_RSCTMP: join(installed.base, "rsctmp"),
          ...sim.env,
        };
        const before = calls();
        const measured = await measure(agent.path, [op.action], env);
        const key = `${op.row}\0${agent.label}`;
        const entry = results.get(key) ?? { measured: [], calls: [] };
        entry.measured.push(measured);
        entry.calls.push(calls() - before);
        results.set(key, entry);
        const state = domainState();
        const wantRunning = op.action === "start" || (op.action === "monitor" && op.intervalMs !== 0);
        if (op.action !== "meta-data" && (state !== undefined) !== wantRunning) {
          throw new Error(`${agent.label} ${op.row} (rc ${measured.rc}) left the domain ${state ?? "absent"}: ${measured.stderr}`);
        }
      }
    }
  }

  // One toolstack call on its own: what each call in the counts above costs on this simulator.
  const xlList: Measured[] = [];
  for (let run = 0; run < RUNS; run++) xlList.push(await measure("xl", ["list"], sim.env));

  const rows = OPERATIONS.flatMap((op) =>
    agents.map((agent) => {
      const entry = results.get(`${op.row}\0${agent.label}`)!;
      const walls = entry.measured.map((m) => m.wallMs);
      const rcs = [...new Set(entry.measured.map((m) => m.rc))].join("/");
      return [op.row, agent.label, rcs, `${median(walls)} ms`, `${Math.min(...walls)}-${Math.max(...walls)}`, `${median(entry.measured.map((m) => m.cpuMs))} ms`, `${median(entry.calls)}`];
    }),
  );
  rows.push(["(one `xl list`)", "simulator", [...new Set(xlList.map((m) => m.rc))].join("/"), `${median(xlList.map((m) => m.wallMs))} ms`, "", `${median(xlList.map((m) => m.cpuMs))} ms`, "1"]);

  process.stdout.write(
    `XenDomain vs ocf:heartbeat:Xen, simulated xl 4.17, time factor ${INTEGRATION_TIME_FACTOR}, ${RUNS} runs each (medians)\n\n` +
      `${formatTable(["action", "agent", "rc", "wall", "wall min-max", "CPU", "xl calls"], rows)}\n\n` +
      "CPU = user+sys of the agent and the toolstack calls it waited for (GNU time); each simulated xl call is a\n" +
      "Node process, so subtract about (xl calls x CPU of one `xl list`) for the agent's own share.\n",
  );
}

try {
  await ownCost();
  if (!process.argv.includes("--cost-only")) await onSimulatedHost();
} finally {
  cleanupSim(simRoot);
  installed.remove();
}
