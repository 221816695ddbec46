/**
 * Benchmark: what one XenHost monitor costs (installed, run by path as the
 * LRM runs it, on a simulated dom0): wall time, CPU of the agent and every
 * child it waited for (xl info, crm_attribute, the data pool probe), peak
 * memory. Rows add checks one by one, so each one's price shows. The
 * simulated `xl` is itself a Node process, so the toolstack share is an
 * upper bound of a real xl's. Prints a table; asserts nothing.
 *
 * Then the domain-death watcher (watcher-bench.ts): its CPU with 10 and
 * 100 domains, idle and with events, and event-to-report latency.
 *
 *   npm run bench:xen-host [-- --runs N] [-- --window S]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { cleanupSim, createSimHost } from "../../lib/sim/index.ts";
import { installToTemp } from "../support/install-once.ts";
import { INTEGRATION_TIME_FACTOR, SYSTEM_PATH } from "../support/installed-sim.ts";
import { HEALTHY_DOM0, oneNodeCib, writeKernelScene } from "../support/xen-host-stage.ts";
import { measure, median } from "./measure.ts";
import { formatTable } from "./table.ts";
import { watcherBench } from "./watcher-bench.ts";

const runsFlag = process.argv.indexOf("--runs");
const RUNS = runsFlag > 0 ? Math.max(1, Number(process.argv[runsFlag + 1]) || 5) : 5;
const windowFlag = process.argv.indexOf("--window");
const WINDOW_S = windowFlag > 0 ? Math.max(2, Number(process.argv[windowFlag + 1]) || 20) : 20;

const installed = await installToTemp("xen-ha-host-bench-");
const simRoot = join(installed.base, "sim");
try {
  const sim = createSimHost({ root: simRoot, host: "bench", timeFactor: INTEGRATION_TIME_FACTOR, basePath: SYSTEM_PATH });
  const sysroot = join(installed.base, "kernel");
  writeKernelScene(sysroot, HEALTHY_DOM0);
  const cibFile = join(installed.base, "cib.xml");
  writeFileSync(cibFile, oneNodeCib(hostname()));
  const pool = join(installed.base, "pool");
  mkdirSync(pool);
  const base = {
    ...sim.env,
    OCF_ROOT: installed.dirs.ocfRoot,
    OCF_RA_VERSION_MAJOR: "1",
    OCF_RA_VERSION_MINOR: "1",
    OCF_RESOURCE_INSTANCE: "xen-host",
    OCF_RESOURCE_TYPE: "XenHost",
    OCF_RESOURCE_PROVIDER: "xen-ha",
    OCF_RESKEY_CRM_meta_timeout: "60000",
    OCF_RESKEY_CRM_meta_interval: "30000",
    HA_RSCTMP: join(installed.base, "rsctmp"),
    HA_logfacility: "none",
    XEN_HA_SYSROOT: sysroot,
    CIB_file: cibFile,
  };
  const agent = installed.agentPath("XenHost");
  const rows: { readonly row: string; readonly env: Readonly<Record<string, string>> }[] = [
    { row: "monitor, not started (7)", env: {} },
    { row: "monitor: toolstack, daemons, dom0", env: {} },
    { row: "  + 2 bridges, memory reserve", env: { OCF_RESKEY_bridges: "xenbr0 eth0", OCF_RESKEY_memory_reserve: "1024" } },
    // the same, every attribute written at every monitor: the price of the figures that did not change
    { row: "    the same, attribute_refresh=1", env: { OCF_RESKEY_bridges: "xenbr0 eth0", OCF_RESKEY_memory_reserve: "1024", OCF_RESKEY_attribute_refresh: "1" } },
    {
      row: "  + 1 data pool path",
      env: { OCF_RESKEY_bridges: "xenbr0 eth0", OCF_RESKEY_memory_reserve: "1024", OCF_RESKEY_data_pool_paths: pool },
    },
  ];
  const table: (string | number)[][] = [];
  for (const [index, { row, env }] of rows.entries()) {
    if (index === 1) await measure(agent, ["start"], base);
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await measure(agent, ["monitor"], { ...base, ...env }));
    const codes = [...new Set(runs.map((r) => r.rc))].join(",");
    table.push([row, codes, median(runs.map((r) => r.wallMs)), median(runs.map((r) => r.cpuMs)), median(runs.map((r) => r.peakRssMiB))]);
  }
  await measure(agent, ["stop"], base);
  process.stdout.write(`XenHost monitor cost, median of ${RUNS} runs (simulated xl at time factor ${INTEGRATION_TIME_FACTOR})\n`);
  process.stdout.write(formatTable(["operation", "rc", "wall ms", "cpu ms (with children)", "peak MiB"], table));
  const watched = await watcherBench({ agent, base, workDir: installed.base, simRoot, basePath: SYSTEM_PATH, windowMs: WINDOW_S * 1000, trials: RUNS });
  process.stdout.write(`\nDomain-death watcher over ${WINDOW_S} s windows; latency: median (min-max) of ${RUNS} deaths\n`);
  process.stdout.write(
    formatTable(["scene", "watcher % of a core", "its children % (sim xenstore-ls: Node)", "sim xenstore-watch % (Node)", "death to crm_resource --fail, ms"], watched),
  );
} finally {
  cleanupSim(simRoot);
  installed.remove();
}
