/**
 * Benchmark: XenDomain (installed, run by path) beside the installed
 * ocf:heartbeat:Xen, on the same simulated host with the same time factor.
 * For each action: wall time, CPU (user+sys of the agent and the toolstack
 * calls it waited for), and the number of toolstack calls (the simulator's
 * call log). Prints a table; asserts nothing.
 *
 *   npm run bench [-- --runs N]
 */
import { join } from "node:path";
import { callLog, cleanupSim, createSimHost, listDomains, writeSampleConfig } from "../../lib/sim/index.ts";
import { installToTemp } from "../support/install-once.ts";
import { INTEGRATION_TIME_FACTOR, SYSTEM_PATH } from "../support/installed-sim.ts";
import { pacemakerEnv } from "../support/run-agent-in-process.ts";
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
  /** Measure only the agent of this provider. */
  readonly only?: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** The operations measured, with the op environment Pacemaker would give (timeouts in ms). */
const OPERATIONS: readonly Operation[] = [
  { row: "meta-data", action: "meta-data", timeoutMs: 5_000, intervalMs: undefined },
  // the same start-up without Node's compile cache, to show what the installer's cache saves
  {
    row: "meta-data, no compile cache",
    action: "meta-data",
    timeoutMs: 5_000,
    intervalMs: undefined,
    only: "xen-ha",
    env: { NODE_DISABLE_COMPILE_CACHE: "1" },
  },
  { row: "probe (stopped)", action: "monitor", timeoutMs: 20_000, intervalMs: 0 },
  { row: "start", action: "start", timeoutMs: 60_000, intervalMs: undefined },
  { row: "monitor (running)", action: "monitor", timeoutMs: 20_000, intervalMs: 10_000 },
  { row: "stop", action: "stop", timeoutMs: 40_000, intervalMs: undefined },
];

const installed = await installToTemp("xen-ha-bench-");
const simRoot = join(installed.base, "sim");
try {
  const sim = createSimHost({ root: simRoot, host: HOST, persona: "xl-4.17", timeFactor: INTEGRATION_TIME_FACTOR, basePath: SYSTEM_PATH });
  const config = writeSampleConfig({ root: simRoot, name: DOMAIN });
  const agents: Agent[] = [
    { label: "xen-ha:XenDomain", path: installed.agentPath("XenDomain"), provider: "xen-ha", type: "XenDomain" },
    { label: "heartbeat:Xen", path: "/usr/lib/ocf/resource.d/heartbeat/Xen", provider: "heartbeat", type: "Xen" },
  ];
  const calls = () => callLog(simRoot, HOST).length;
  const domainState = () => listDomains(simRoot, HOST).find((d) => d.name === DOMAIN)?.state;

  const results = new Map<string, { measured: Measured[]; calls: number[] }>();
  for (const agent of agents) {
    for (let run = 0; run < RUNS; run++) {
      for (const op of OPERATIONS) {
        if (op.only && op.only !== agent.provider) continue;
        const env = {
          ...pacemakerEnv(`${DOMAIN}-rsc`, { timeoutMs: op.timeoutMs, ...(op.intervalMs === undefined ? {} : { intervalMs: op.intervalMs }) }),
          OCF_RESOURCE_TYPE: agent.type,
          OCF_RESOURCE_PROVIDER: agent.provider,
          OCF_RESKEY_xmfile: config,
          OCF_RESKEY_name: DOMAIN,
          HA_RSCTMP: join(installed.base, "rsctmp"),
          ...sim.env,
          ...op.env,
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
    agents.filter((agent) => !op.only || op.only === agent.provider).map((agent) => {
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
} finally {
  cleanupSim(simRoot);
  installed.remove();
}
