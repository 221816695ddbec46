/**
 * What each simulated toolstack call costs the caller: the simulator's own
 * overhead (Node's start, loading the tool, the state file), with the
 * simulated latencies themselves made negligible by a tiny time factor.
 * Real xl answers `list` in a few milliseconds; everything this table shows
 * above that is the simulator's, and in a cluster benchmark it counts as the
 * agents' overhead. Prints a table; asserts nothing.
 *
 *   node test/bench/sim-tools-bench.ts [--runs N] [--time-factor F]
 *
 * Each row runs the host's launcher as an agent runs it (exact environment,
 * warm compile cache), N times for each kind of launcher: the program's
 * modules (what every launcher loaded before lib/sim/tool-bundle.ts) and its
 * bundle, in turn. Wall and CPU are medians, CPU includes the
 * children the tool waited for (ssh's remote command, migrate's receiver),
 * not the detached guest and monitor a create leaves behind. The load
 * average is read before and after: figures taken under load are slower.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cleanupSim, createSimHost, writeSampleConfig } from "../../lib/sim/index.ts";
import { ENV_BUNDLE } from "../../lib/sim/tool-bundle.ts";
import { measure, median, type Measured } from "./measure.ts";
import { formatTable } from "./table.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "9" }, "time-factor": { type: "string", default: "0.001" } } });
const RUNS = Math.max(1, Number(values.runs) || 9);
const FACTOR = Number(values["time-factor"]) || 0.001;
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(" ");

/** One simulated cluster: two xl hosts and an xm host, under their own root, with one kind of launcher. */
function stage(root: string, launchers: "modules" | "bundle") {
  const previous = process.env[ENV_BUNDLE];
  if (launchers === "modules") process.env[ENV_BUNDLE] = "0";
  try {
    const host = (name: string, persona?: "xm") => createSimHost({ root, host: name, timeFactor: FACTOR, basePath: "/usr/bin:/bin", ...(persona ? { persona } : {}) });
    const hosts = { a: host("bench-a"), b: host("bench-b"), xm: host("bench-xm", "xm") };
    const cfg = writeSampleConfig({ root, name: "vm1", memoryMiB: 256 });
    const tool = (on: keyof typeof hosts, name: string) => (args: string[]) => measure(join(hosts[on].binDir, name), args, hosts[on].env);
    return { cfg, tool, xlA: tool("a", "xl"), xlB: tool("b", "xl") };
  } finally {
    if (previous === undefined) delete process.env[ENV_BUNDLE];
    else process.env[ENV_BUNDLE] = previous;
  }
}
type Stage = ReturnType<typeof stage>;

const ok = async (run: Promise<Measured>, what: string): Promise<void> => {
  const result = await run;
  if (result.rc !== 0) throw new Error(`${what} failed (exit ${result.rc}): ${result.stderr}`);
};

/** A measured call, and what must happen before and after it (not measured). */
interface Call {
  readonly label: string;
  readonly run: (s: Stage) => Promise<Measured>;
  readonly before?: (s: Stage) => Promise<void>;
  readonly after?: (s: Stage) => Promise<void>;
}
const CALLS: readonly Call[] = [
  // the floor under every row: Node's own start, nothing loaded
  { label: "node -e 0 (for scale)", run: () => measure(process.execPath, ["-e", "0"], {}) },
  { label: "xl list", run: (s) => s.xlA(["list"]) },
  { label: "xl list vm1", run: (s) => s.xlA(["list", "vm1"]) },
  { label: "xl info", run: (s) => s.xlA(["info"]) },
  { label: "xl domid vm1", run: (s) => s.xlA(["domid", "vm1"]) },
  { label: "xenstore-read /local/domain/0/name", run: (s) => s.tool("a", "xenstore-read")(["/local/domain/0/name"]) },
  { label: "xenstore-ls /local/domain", run: (s) => s.tool("a", "xenstore-ls")(["/local/domain"]) },
  { label: "xenstore-watch -n 1 @releaseDomain", run: (s) => s.tool("a", "xenstore-watch")(["-n", "1", "@releaseDomain"]) },
  { label: "xm list", run: (s) => s.tool("xm", "xm")(["list"]) },
  { label: "ssh bench-b true", run: (s) => s.tool("a", "ssh")(["bench-b", "true"]) },
  { label: "ssh bench-b xl list", run: (s) => s.tool("a", "ssh")(["bench-b", "xl", "list"]) },
  { label: "xl destroy vm1", run: (s) => s.xlA(["destroy", "vm1"]), after: (s) => ok(s.xlA(["create", "-q", s.cfg]), "create") },
  {
    label: "xl create -q (PV, 256 MiB)",
    run: (s) => s.xlA(["create", "-q", s.cfg]),
    before: (s) => ok(s.xlA(["destroy", "vm1"]), "destroy"),
  },
  {
    label: "xl migrate vm1 bench-b",
    run: (s) => s.xlA(["migrate", "vm1", "bench-b"]),
    after: async (s) => {
      await ok(s.xlB(["destroy", "vm1"]), "destroy on bench-b");
      await ok(s.xlA(["create", "-q", s.cfg]), "create");
    },
  },
];

const base = mkdtempSync(join(tmpdir(), "xen-ha-sim-tools-bench-"));
const roots = { modules: join(base, "modules"), bundle: join(base, "bundle") };
try {
  const loadBefore = load();
  const stages = { modules: stage(roots.modules, "modules"), bundle: stage(roots.bundle, "bundle") };
  for (const s of Object.values(stages)) await ok(s.xlA(["create", "-q", s.cfg]), "the first create");
  const rows: (string | number)[][] = [];
  for (const call of CALLS) {
    const runs: Record<keyof typeof stages, Measured[]> = { modules: [], bundle: [] };
    // the two kinds in turn, so that a change in the machine's load hits both alike
    for (let i = 0; i < RUNS; i++) {
      for (const kind of ["modules", "bundle"] as const) {
        await call.before?.(stages[kind]);
        runs[kind].push(await call.run(stages[kind]));
        await call.after?.(stages[kind]);
      }
    }
    const figures = (r: Measured[]) => [median(r.map((m) => m.wallMs)), median(r.map((m) => m.cpuMs))];
    const failed = runs.modules.filter((r) => r.rc !== 0).length + runs.bundle.filter((r) => r.rc !== 0).length;
    rows.push([call.label, ...figures(runs.modules), ...figures(runs.bundle), failed]);
  }
  console.log(`Simulated toolstack calls, own overhead: time factor ${FACTOR}, median of ${RUNS} runs each, Node ${process.versions.node}`);
  console.log(`load average before ${loadBefore}, after ${load()}`);
  console.log(`modules: launchers import bin/NAME.ts (${ENV_BUNDLE}=0); bundle: launchers require the program's bundle`);
  console.log(formatTable(["call", "modules wall ms", "cpu ms", "bundle wall ms", "cpu ms", "failed"], rows));
} finally {
  for (const root of Object.values(roots)) cleanupSim(root);
  rmSync(base, { recursive: true, force: true });
}
