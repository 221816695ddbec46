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
 *   plan          xen-ha cib plan (every single-host failure, then the tolerance search); K tolerated
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
 * the goal. Where the time goes, before and after the profile-driven work: doc/placement.md, Speed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { findTemplate } from "../../cib-templates/index.ts";
import { readCibText, semanticProblems } from "../../lib/cib/check/check.ts";
import { shippedAgents } from "../lib/cib/support/agents.ts";
import { planCib } from "../../lib/cib/plan/plan.ts";
import { renderTemplate } from "../../lib/cib/author/render.ts";
import { simulate } from "../../lib/cib/plan/simulate.ts";
import { runCommand, type CommandRunner } from "../../lib/exec/command.ts";
import { createDeadline } from "../../lib/ocf/deadline.ts";
import { formatTable } from "./table.ts";
import { seededRandom } from "../support/seeded-random.ts";

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

function values(nodes: number, domains: number): Record<string, string> {
  const hosts = Array.from({ length: nodes }, (_, i) => `xen${String(i + 1).padStart(2, "0")}`);
  // 1 GiB domains, and room on the survivors for one failed host's share
  const perHost = Math.ceil(domains / (nodes - 1));
  return {
    nodes: hosts.join(","),
    ipmi_addresses: hosts.map((_, i) => `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`).join(","),
    domains: Array.from({ length: domains }, (_, i) => `vm${i}:1024:1:${i % 10 === 0 ? 10 : 0}`).join(","),
    node_memory: String((perHost + 1) * 1024),
    node_cpus: String(perHost + 1),
  };
}

/** The hard case: n-plus-m with three spares, mixed sizes and priorities, anti-affinity groups (see the header). */
function hardValues(nodes: number, domains: number): Record<string, string> {
  const random = seededRandom(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const hosts = Array.from({ length: nodes }, (_, i) => `xen${String(i + 1).padStart(2, "0")}`);
  const active = hosts.slice(0, nodes - 3);
  const names = Array.from({ length: domains }, (_, i) => `vm${i}`);
  const sizes = names.map(() => [pick([512, 1024, 2048, 4096, 8192]), pick([1, 2, 4])] as const);
  const memory = sizes.reduce((sum, [m]) => sum + m, 0);
  const cpus = sizes.reduce((sum, [, c]) => sum + c, 0);
  return {
    nodes: active.join(","),
    spares: hosts.slice(active.length).join(","),
    ipmi_addresses: hosts.map((_, i) => `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`).join(","),
    domains: names.map((name, i) => `${name}:${sizes[i]?.[0] ?? 1024}:${sizes[i]?.[1] ?? 1}:${pick([0, 0, 5, 10])}`).join(","),
    separate: Array.from({ length: Math.floor(domains / 10) }, (_, g) => names.slice(g * 10, g * 10 + pick([2, 3])).join("+")).join(","),
    node_memory: String(Math.ceil((memory / active.length) * 1.3)),
    node_cpus: String(Math.ceil((cpus / active.length) * 1.3)),
  };
}

const scratch = mkdtempSync(join(tmpdir(), "xen-ha-cib-bench-"));
const rows: (string | number)[][] = [];
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
      const read = readCibText(text);
      if (!read.ok) throw new Error(read.problem);
      const planned = await time(() => planCib(read.cib));

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
  console.log("\nwall ms / CPU ms [peak RSS of one tool run]; K = largest number of failed hosts every protected domain survives");
  console.log(`load average at the end: ${load()} (wall time on a loaded machine includes waiting for a CPU)`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
