/**
 * CIB benchmark: render, check, plan and crm_simulate times for 10, 100 and
 * 1000 domains on 4 and 16 hosts (an N+N cluster with utilization, the
 * largest template). It prints figures and asserts nothing.
 *
 *   node test/bench/cib-bench.ts [--nodes 4,16] [--domains 10,100,1000] [--simulate-max 100]
 *
 * Columns: wall ms / CPU ms (CPU of this process for the in-process steps, of
 * the Pacemaker tools, measured with /usr/bin/time, for the others; on a
 * shared machine wall time includes waiting for a CPU), and for the tools the
 * largest resident set of one tool run:
 *   render        renderTemplate, in process
 *   check         xen-ha cib check without crm_verify (parse, read, all checks incl. the capacity plan)
 *   plan          xen-ha cib plan (its read of the CIB, every single-host failure, then the tolerance
 *                 search); K tolerated
 *   crm_verify    Pacemaker's crm_verify on the rendered file
 *   sim -R        crm_simulate -R with every host joining: the scheduler's plan of the startup
 *   simulate      xen-ha cib simulate --fail <first host>: startup executed (-S, no probes), settled,
 *                 then the failure; executing is what grows fast (doc/cib.md §5), so it is
 *                 skipped above --simulate-max
 *
 * Then the hard case beside it (--hard-domains, default 180,1000, on the same host counts): an
 * n-plus-m cluster with three spares, domains of mixed sizes (512 MiB-8 GiB, 1-4 vCPUs) and
 * priorities (0, 5, 10), one domain in four kept apart from others (separate= pairs and
 * triples), hosts sized for ~77% load, the template's storage clone: render + check + plan is
 * what the 2 s goal is about. Seeded, so every run plans the same cluster. The hard table adds
 * `read` (parse + model, which check and plan each do) and crm_verify on the same file, outside
 * the goal. Then the same three steps as the three commands an admin runs, each a fresh Node process
 * of the built CLI (dist/bin/xen-ha.js, which `npm run bench:cib` builds first; skipped when missing): `cib render
 * n-plus-m --values FILE -o FILE`, `cib check --no-crm-verify FILE`, `cib plan FILE`, with their CPU
 * (user + system, /usr/bin/time) beside the wall time; a fresh process also pays for loading the CLI
 * and for the JIT warming up. Then the same three commands as an admin runs them once xen-ha is installed:
 * the `xen-ha` launcher of a copy installed into a temporary prefix (`xen-ha install`, test/support/install-once.ts),
 * which runs the installed Node with Node's compile cache under the prefix; each command runs once untimed
 * first, so the cache is warm. The goal table at the end states the figure three ways (in one process, as
 * commands of dist/bin/xen-ha.js without the cache, as installed with it warm), for the hard case and beside it
 * the easy case of the same size (n-plus-n, same hosts and domain count). Where the time goes, before and after
 * the profile-driven work: doc/placement.md, Speed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { findTemplate } from "../../cib-templates/index.ts";
import { readCibText, semanticProblems } from "../../lib/cib/check/check.ts";
import { shippedAgents } from "../lib/cib/support/agents.ts";
import { planCib } from "../../lib/cib/plan/plan.ts";
import { renderTemplate } from "../../lib/cib/author/render.ts";
import { simulate } from "../../lib/cib/plan/simulate.ts";
import { runCommand, type CommandRunner } from "../../lib/exec/command.ts";
import { createDeadline } from "../../lib/ocf/deadline.ts";
import { formatTable } from "./table.ts";
import { installToTemp, type TempInstall } from "../support/install-once.ts";
import { easyValues as values, hardValues } from "./cib-clusters.ts";

const option = (name: string, fallback: string): number[] => {
  const at = process.argv.indexOf(name);
  return (at === -1 ? fallback : (process.argv[at + 1] ?? fallback)).split(",").map(Number);
};
const NODES = option("--nodes", "4,16");
const DOMAINS = option("--domains", "10,100,1000");
const SIMULATE_MAX = option("--simulate-max", "100")[0] ?? 100;
const HARD_DOMAINS = option("--hard-domains", "180,1000");

/** Wall and CPU milliseconds of work done in this process. */
const time = async <T>(work: () => T | Promise<T>): Promise<{ ms: number; cpu: number; value: T }> => {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(cpu);
  return { ms: Math.round(performance.now() - started), cpu: Math.round((used.user + used.system) / 1000), value };
};

/** A command runner that runs every tool under GNU time and adds up their CPU and peak memory. */
function timedRunner(dir: string): { run: CommandRunner; totals: () => { cpu: number; rssMb: number } } {
  let cpu = 0;
  let rss = 0;
  let n = 0;
  const run: CommandRunner = async (file, args, options) => {
    const report = join(dir, `time-${n++}`);
    const result = await runCommand("/usr/bin/time", ["-f", "%U %S %M", "-o", report, file, ...args], options);
    const [user = 0, sys = 0, kb = 0] = readFileSync(report, "utf8").trim().split("\n").at(-1)?.split(" ").map(Number) ?? [];
    cpu += (user + sys) * 1000;
    rss = Math.max(rss, kb / 1024);
    return { ...result, command: [file, ...args].join(" ") };
  };
  return { run, totals: () => ({ cpu: Math.round(cpu), rssMb: Math.round(rss) }) };
}

const cell = (wall: number, cpu: number, extra = ""): string => `${wall} / ${cpu}${extra}`;

const scratch = mkdtempSync(join(tmpdir(), "xen-ha-cib-bench-"));
let installed: TempInstall | undefined;
const rows: (string | number)[][] = [];
/** render + check + plan of each easy cluster in this process, to print beside the hard case of the same size. */
const easyGoal = new Map<string, { cpu: number; wall: number }>();
try {
  const template = findTemplate("n-plus-n");
  if (!template) throw new Error("n-plus-n template missing");
  const version = await runCommand("crm_simulate", ["--version"], { timeoutMs: 10_000 });
  const load = (): string => loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(`xen-ha CIB benchmark: ${cpus().length} CPUs, Node ${process.version}, ${version.stdout.split("\n")[0] ?? "crm_simulate missing"}; load average ${load()}`);

  for (const nodes of NODES) {
    for (const domains of DOMAINS) {
      const rendered = await time(() => renderTemplate(template, values(nodes, domains)));
      if (!rendered.value.ok) throw new Error(rendered.value.problems.join("; "));
      const text = rendered.value.text;
      const file = join(scratch, `cib-${nodes}-${domains}.xml`);
      writeFileSync(file, text);

      const checked = await time(() => {
        const read = readCibText(text);
        if (!read.ok) throw new Error(read.problem);
        return semanticProblems(read.cib, shippedAgents);
      });
      const planned = await time(() => {
        const read = readCibText(text);
        if (!read.ok) throw new Error(read.problem);
        return planCib(read.cib);
      });
      easyGoal.set(`${nodes}x${domains}`, { cpu: rendered.cpu + checked.cpu + planned.cpu, wall: rendered.ms + checked.ms + planned.ms });

      const env = { CIB_shadow_dir: scratch };
      const tool = async (file: string, args: readonly string[]): Promise<string> => {
        const timed = timedRunner(scratch);
        const result = await timed.run(file, args, { timeoutMs: 3_600_000, env });
        const { cpu, rssMb } = timed.totals();
        return cell(result.durationMs, cpu, ` ${rssMb}MB${result.exitCode === 0 ? "" : ` rc=${result.exitCode ?? "?"}`}`);
      };
      const verify = await tool("crm_verify", ["--xml-file", file]);
      const up = Array.from({ length: nodes }, (_, i) => ["--node-up", `xen${String(i + 1).padStart(2, "0")}`]).flat();
      const plan = await tool("crm_simulate", ["--xml-file", file, "--run", "--quorum", "1", ...up, "--quiet"]);

      let simulated = `skipped (> ${SIMULATE_MAX} domains)`;
      if (domains <= SIMULATE_MAX) {
        const timed = timedRunner(scratch);
        const context = { run: timed.run, deadline: createDeadline(3_600_000), env: {}, scratch };
        const result = await time(() => simulate(context, text, [[{ kind: "fail", node: "xen01" }]]));
        const { cpu, rssMb } = timed.totals();
        simulated = result.value.ok ? cell(result.ms, cpu, ` ${rssMb}MB`) : `failed: ${result.value.message}`;
      }
      rows.push([
        nodes,
        domains,
        cell(rendered.ms, rendered.cpu),
        cell(checked.ms, checked.cpu, checked.value.some((p) => p.severity === "error") ? " (errors!)" : ""),
        cell(planned.ms, planned.cpu, ` K=${planned.value.tolerated.value}`),
        verify,
        plan,
        simulated,
      ]);
      console.log(`  done: ${nodes} hosts, ${domains} domains`);
    }
  }
  const hard: (string | number)[][] = [];
  const fresh: (string | number)[][] = [];
  const goal: (string | number)[][] = [];
  const cli = join(dirname(fileURLToPath(import.meta.url)), "../../dist/bin/xen-ha.js");
  const built = existsSync(cli);
  if (built) installed = await installToTemp("xen-ha-cib-bench-");
  /** How a command is started: the built CLI by this Node, or the installed launcher (its Node, its compile cache). */
  const uncached = [process.execPath, cli];
  const asInstalled = installed ? [join(installed.dirs.sbinDir, "xen-ha")] : [];
  /**
   * `cib render TEMPLATE`, `cib check --no-crm-verify` and `cib plan`, each a fresh process of `program`;
   * `warm`: each command runs once untimed first (the installed copy's compile cache then holds its modules).
   */
  const asCommands = async (templateName: string, given: Record<string, string>, tag: string, program: readonly string[], warm = false) => {
    const [file, ...programArgs] = program;
    if (!built || file === undefined) return undefined;
    const valuesFile = join(scratch, `${tag}.values`);
    writeFileSync(valuesFile, Object.entries(given).map(([name, value]) => `${name}=${value}\n`).join(""));
    const out = join(scratch, `fresh-${tag}.xml`);
    const steps = [
      ["cib", "render", templateName, "--values", valuesFile, "-o", out],
      ["cib", "check", "--no-crm-verify", out],
      ["cib", "plan", out],
    ];
    const cells: string[] = [];
    let wall = 0;
    let cpu = 0;
    for (const args of steps) {
      const options = { timeoutMs: 3_600_000, env: { CIB_shadow_dir: scratch } };
      if (warm) await runCommand(file, [...programArgs, ...args], options);
      const step = timedRunner(scratch);
      const result = await step.run(file, [...programArgs, ...args], options);
      const used = step.totals();
      wall += result.durationMs;
      cpu += used.cpu;
      cells.push(cell(result.durationMs, used.cpu, ` ${used.rssMb}MB${result.exitCode === 0 ? "" : ` rc=${result.exitCode ?? "?"}`}`));
    }
    return { cells, wall, cpu };
  };
  const GOAL_MS = 2000;
  const verdict = (figure: { cpu: number; wall: number } | undefined): string =>
    figure ? cell(figure.wall, figure.cpu, figure.cpu <= GOAL_MS ? "  met" : "  missed") : "skipped (no dist/bin/xen-ha.js: npm run build)";
  const goalRow = (kind: string, nodes: number, domains: number, inOne: { cpu: number; wall: number }, three: { cpu: number; wall: number } | undefined, cached: { cpu: number; wall: number } | undefined) => [
    kind,
    nodes,
    domains,
    verdict(inOne),
    verdict(three),
    verdict(cached),
  ];
  const mixed = findTemplate("n-plus-m");
  if (!mixed) throw new Error("n-plus-m template missing");
  for (const nodes of NODES.filter((n) => n >= 5)) {
    for (const domains of HARD_DOMAINS) {
      const rendered = await time(() => renderTemplate(mixed, hardValues(nodes, domains)));
      if (!rendered.value.ok) throw new Error(rendered.value.problems.join("; "));
      const text = rendered.value.text;
      const file = join(scratch, `hard-${nodes}-${domains}.xml`);
      writeFileSync(file, text);
      // Parsing and reading the CIB, on its own: check and plan each do it (each is its own command).
      const read = await time(() => readCibText(text));
      const checked = await time(() => {
        const read = readCibText(text);
        if (!read.ok) throw new Error(read.problem);
        return semanticProblems(read.cib, shippedAgents);
      });
      const planned = await time(() => {
        const read = readCibText(text);
        if (!read.ok) throw new Error(read.problem);
        return planCib(read.cib);
      });
      const { tolerated } = planned.value;
      const total = rendered.ms + checked.ms + planned.ms;
      const timed = timedRunner(scratch);
      const verified = await timed.run("crm_verify", ["--xml-file", file], { timeoutMs: 3_600_000, env: { CIB_shadow_dir: scratch } });
      hard.push([
        nodes,
        domains,
        cell(rendered.ms, rendered.cpu),
        cell(read.ms, read.cpu),
        cell(checked.ms, checked.cpu, checked.value.some((p) => p.severity === "error") ? " (errors!)" : ""),
        cell(planned.ms, planned.cpu, ` K=${tolerated.value}${tolerated.exhaustive ? "" : "+"}`),
        `${total} / ${rendered.cpu + checked.cpu + planned.cpu}`,
        cell(verified.durationMs, timed.totals().cpu, verified.exitCode === 0 ? "" : ` rc=${verified.exitCode ?? "?"}`),
      ]);
      const inProcess = rendered.cpu + checked.cpu + planned.cpu;
      const fresh3 = await asCommands("n-plus-m", hardValues(nodes, domains), `hard-${nodes}-${domains}`, uncached);
      if (fresh3) fresh.push(["dist/bin/xen-ha.js, no cache", nodes, domains, ...fresh3.cells, `${fresh3.wall} / ${fresh3.cpu}`, load()]);
      const cached3 = await asCommands("n-plus-m", hardValues(nodes, domains), `cached-${nodes}-${domains}`, asInstalled, true);
      if (cached3) fresh.push(["installed xen-ha, warm cache", nodes, domains, ...cached3.cells, `${cached3.wall} / ${cached3.cpu}`, load()]);
      const easy = easyGoal.get(`${nodes}x${domains}`);
      if (easy) {
        const easy3 = await asCommands("n-plus-n", values(nodes, domains), `easy-${nodes}-${domains}`, uncached);
        const easyCached = await asCommands("n-plus-n", values(nodes, domains), `easy-cached-${nodes}-${domains}`, asInstalled, true);
        goal.push(goalRow("easy", nodes, domains, easy, easy3, easyCached));
      }
      goal.push(goalRow("hard", nodes, domains, { cpu: inProcess, wall: total }, fresh3, cached3));
      console.log(`  done: hard case, ${nodes} hosts, ${domains} domains`);
    }
  }
  console.log();
  console.log("easy: n-plus-n, 1 GiB domains, one priority");
  console.log(formatTable(["hosts", "domains", "render", "check", "plan", "crm_verify", "sim -R", "simulate"], rows));
  if (hard.length > 0) {
    console.log("\nhard: n-plus-m with 3 spares, mixed sizes and priorities, separate groups (goal: render + check + plan <= 2 s)");
    console.log(formatTable(["hosts", "domains", "render", "read", "check", "plan", "render+check+plan", "crm_verify"], hard));
    console.log("check and plan each include a read (parse + model) of the CIB, as the two commands do; crm_verify is Pacemaker's, outside the goal");
    console.log("K+ = the tolerance search stopped early (work bound): at least K");
  }
  if (fresh.length > 0) {
    console.log("\nhard, as the three commands an admin runs, each a fresh process (CPU = user + system): of dist/bin/xen-ha.js by this Node");
    console.log("without a compile cache, and of the installed xen-ha launcher (installed Node, compile cache under the prefix, warmed)");
    console.log(formatTable(["started as", "hosts", "domains", "cib render", "cib check --no-crm-verify", "cib plan", "total", "load average"], fresh));
  }
  if (goal.length > 0) {
    console.log(`\nthe goal: render + check + plan <= ${GOAL_MS} ms (met or missed on CPU), the hard case beside the easy one of the same size`);
    console.log(formatTable(["case", "hosts", "domains", "in one process", "as three commands (no cache)", "as installed (warm cache)"], goal));
  }
  console.log("\nwall ms / CPU ms [peak RSS of one tool run]; K = largest number of failed hosts every protected domain survives");
  console.log(`load average at the end: ${load()} (wall time on a loaded machine includes waiting for a CPU)`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
  installed?.remove();
}
