/**
 * Benchmark: moving a running domain between two simulated hosts, by live
 * migration (migrate_to on the source, migrate_from on the target, stop on
 * the source: Pacemaker's sequence) and by a controlled relocation (stop on
 * the source, start on the target), for the installed XenDomain and the
 * installed ocf:heartbeat:Xen, on the same simulator with the same time
 * factor. Prints, per agent and way: the agents' wall time (each action and
 * the total) and the service gap a client of the guest's service at
 * 127.0.0.1:PORT sees (the guest keeps its port across hosts). Asserts
 * nothing.
 *
 *   npm run build && node test/bench/migration-bench.ts [--runs N] [--time-factor F] [--memory MiB]
 *
 * At time factor 1 the simulated latencies are those of real Xen on GbE
 * (doc/xl-behaviour.md §6); every simulated xl, ssh and guest is a Node process,
 * whose start-up (tens of ms) comes on top.
 */
import { join } from "node:path";
import { cleanupSim, createSimHost, guestServicePort, listDomains, writeSampleConfig } from "../../lib/sim/index.ts";
import { installToTemp } from "../support/install-once.ts";
import { SYSTEM_PATH } from "../support/installed-sim.ts";
import { probeService } from "../support/migration-lab.ts";
import { pacemakerEnv } from "../support/run-agent-in-process.ts";
import { measure, median } from "./measure.ts";
import { formatTable } from "./table.ts";

const flag = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  const value = at > 0 ? Number(process.argv[at + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const RUNS = flag("--runs", 3);
const TIME_FACTOR = flag("--time-factor", 1);
const MEMORY_MIB = flag("--memory", 512);
const DOMAIN = "vm-bench";
const HOSTS = ["node1", "node2"] as const;
type Host = (typeof HOSTS)[number];

interface Agent {
  readonly label: string;
  readonly path: string;
  readonly provider: string;
  readonly type: string;
}

interface Way {
  readonly label: string;
  /** Actions in order, each on the source or the target, with its op timeout. */
  readonly steps: readonly { readonly action: string; readonly on: "source" | "target"; readonly timeoutMs: number }[];
}

const WAYS: readonly Way[] = [
  {
    label: "live migration",
    steps: [
      { action: "migrate_to", on: "source", timeoutMs: 120_000 },
      { action: "migrate_from", on: "target", timeoutMs: 120_000 },
      { action: "stop", on: "source", timeoutMs: 40_000 },
    ],
  },
  {
    label: "relocation (stop, start)",
    steps: [
      { action: "stop", on: "source", timeoutMs: 40_000 },
      { action: "start", on: "target", timeoutMs: 60_000 },
    ],
  },
];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Probes the service every few ms while `body` runs; the longest stretch without an answer, in ms. */
async function serviceGap(port: number, body: () => Promise<void>): Promise<number> {
  let done = false;
  let downSince: number | undefined;
  let longest = 0;
  const prober = (async () => {
    while (!done || downSince !== undefined) {
      const at = Date.now();
      const up = await probeService(port, 100);
      if (!up) downSince ??= at;
      else if (downSince !== undefined) {
        longest = Math.max(longest, Date.now() - downSince);
        downSince = undefined;
      }
      if (done && downSince !== undefined && Date.now() - downSince > 120_000) break;
      await sleep(3);
    }
  })();
  await body();
  done = true;
  await prober;
  return longest;
}

const installed = await installToTemp("xen-ha-migration-bench-");
const root = join(installed.base, "sim");
try {
  const sims = Object.fromEntries(HOSTS.map((host) => [host, createSimHost({ root, host, persona: "xl-4.17", timeFactor: TIME_FACTOR, basePath: SYSTEM_PATH })])) as Record<Host, ReturnType<typeof createSimHost>>;
  const config = writeSampleConfig({ root, name: DOMAIN, memoryMiB: MEMORY_MIB });
  const agents: Agent[] = [
    { label: "xen-ha:XenDomain", path: installed.agentPath("XenDomain"), provider: "xen-ha", type: "XenDomain" },
    { label: "heartbeat:Xen", path: "/usr/lib/ocf/resource.d/heartbeat/Xen", provider: "heartbeat", type: "Xen" },
  ];
  const runningOn = (): Host[] => HOSTS.filter((h) => listDomains(root, h).some((d) => d.name === DOMAIN && /^(r-|-b)----$/.test(d.state)));

  const envFor = (agent: Agent, host: Host, action: string, timeoutMs: number, source: Host, target: Host) => ({
    ...pacemakerEnv(`${DOMAIN}-rsc`, { timeoutMs }),
    OCF_RESOURCE_TYPE: agent.type,
    OCF_RESOURCE_PROVIDER: agent.provider,
    OCF_RESKEY_crm_feature_set: "3.16.1",
    OCF_RESKEY_CRM_meta_on_node: host,
    OCF_RESKEY_xmfile: config,
    OCF_RESKEY_name: DOMAIN,
    HA_RSCTMP: join(installed.base, "rsctmp", agent.provider, host),
    ...(action.startsWith("migrate") ? { OCF_RESKEY_CRM_meta_migrate_source: source, OCF_RESKEY_CRM_meta_migrate_target: target } : {}),
    ...(action === "migrate_to" ? { OCF_RESKEY_CRM_meta_record_pending: "true" } : {}),
    ...sims[host].env,
  });

  const rows: (string | number)[][] = [];
  for (const agent of agents) {
    // the domain starts on node1, by the agent itself
    const first = await measure(agent.path, ["start"], envFor(agent, "node1", "start", 60_000, "node1", "node2"));
    if (first.rc !== 0) throw new Error(`${agent.label} start: ${first.stderr}`);
    for (const way of WAYS) {
      const stepTimes: number[][] = way.steps.map(() => []);
      const totals: number[] = [];
      const gaps: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const source = runningOn()[0];
        if (!source) throw new Error(`${agent.label}: ${DOMAIN} is not running anywhere before ${way.label}`);
        const target: Host = source === "node1" ? "node2" : "node1";
        const port = guestServicePort(root, source, DOMAIN);
        if (port === undefined) throw new Error("no service port");
        while (!(await probeService(port))) await sleep(20); // the guest has booted
        let total = 0;
        const gap = await serviceGap(port, async () => {
          for (const [i, step] of way.steps.entries()) {
            const host = step.on === "source" ? source : target;
            const result = await measure(agent.path, [step.action], envFor(agent, host, step.action, step.timeoutMs, source, target));
            if (result.rc !== 0) throw new Error(`${agent.label} ${step.action} on ${host}: rc ${result.rc}: ${result.stderr}`);
            stepTimes[i]!.push(result.wallMs);
            total += result.wallMs;
          }
          // a start returns when the domain runs; the service answers once the guest has booted
          while (!(await probeService(port))) await sleep(5);
        });
        if (runningOn().join() !== target) throw new Error(`${agent.label} ${way.label}: runs on ${runningOn().join(",") || "no host"}, not ${target}`);
        totals.push(total);
        gaps.push(gap);
      }
      const steps = way.steps.map((step, i) => `${step.action} ${median(stepTimes[i]!)}`).join(", ");
      rows.push([way.label, agent.label, `${median(totals)} ms`, `${Math.min(...totals)}-${Math.max(...totals)}`, `${median(gaps)} ms`, `${Math.min(...gaps)}-${Math.max(...gaps)}`, steps]);
    }
    const last = runningOn()[0];
    if (last) await measure(agent.path, ["stop"], envFor(agent, last, "stop", 40_000, last, last));
  }
  process.stdout.write(
    `Moving a running ${MEMORY_MIB} MiB domain between two simulated xl 4.17 hosts, time factor ${TIME_FACTOR}, ${RUNS} runs each (medians)\n\n` +
      `${formatTable(["way", "agent", "agent time", "min-max", "service gap", "min-max", "per action (ms)"], rows)}\n\n` +
      "agent time: wall time of the actions Pacemaker runs, one after the other (migration: migrate_to, migrate_from,\n" +
      "stop on the source; relocation: stop, start). service gap: the longest time a client of the guest's\n" +
      "service (127.0.0.1:PORT, kept across hosts) got no answer, including the guest's boot after a start.\n",
  );
} finally {
  cleanupSim(root);
  installed.remove();
}
