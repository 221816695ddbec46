import t, { type Test } from "tap";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { xenHaCommands } from "../../../bin/xen-ha-commands.ts";
import { runCommand } from "../../../lib/exec/command.ts";
import { CliExit, type CliIo } from "../../../lib/cli/io.ts";
import { buildProgram, runCli } from "../../../lib/cli/program.ts";

/**
 * Every `xen-ha` command is a fresh process that pays for what it imports, so
 * a command loads only its own group's modules (lib/cli/*-commands.ts declare
 * the commands; their work is imported when one runs). Yet --help lists every
 * command, and every command still reaches its work.
 */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const RECORDER = fileURLToPath(new URL("support/record-modules.ts", import.meta.url));
const IPMI = "ipmi_addresses=192.0.2.11,192.0.2.12";

function workdir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), "xen-ha-lazy-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The modules of this repository (paths from its root) and packages a fresh `xen-ha ARGV` process loaded. */
async function loadedBy(argv: readonly string[], cwd: string): Promise<{ exitCode: number | undefined; stderr: string; modules: string[] }> {
  const list = join(cwd, "modules.txt");
  const result = await runCommand(process.execPath, ["--import", RECORDER, join(ROOT, "bin/xen-ha.ts"), ...argv], {
    timeoutMs: 60_000,
    cwd,
    env: { XEN_HA_TEST_MODULES: list },
  });
  const modules = readFileSync(list, "utf8").split("\n").filter((url) => url.startsWith("file://")).map((url) => {
    const path = fileURLToPath(url);
    return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
  });
  return { exitCode: result.exitCode, stderr: result.stderr, modules };
}

type LoadRow = {
  readonly name: string;
  readonly argv: readonly string[];
  /** Modules it must load (so the row cannot pass on an empty list). */
  readonly loads: readonly RegExp[];
  /** Modules it must not load. */
  readonly never: readonly RegExp[];
};

const PLANNER = /^lib\/cib\/plan\/(plan|assign|placement)\.ts$/;
const SIMULATE = /^lib\/cib\/plan\/(simulate|confirm|transition|explain)\.ts$/;
const CHECKS = /^lib\/cib\/check\//;
const RENDER = /^lib\/cib\/author\/assemble\.ts$/;
const TEMPLATES = /^cib-templates\//;
const AGENTS = /^agents\/(?!provider\.ts$)/;
const SIMULATOR = /^lib\/sim\/(?!personas\.ts$)/;
const DEMO_AND_LAB = /^lib\/(demo|lab)\//;
const INSTALLER = /^lib\/install\/(?!dirs\.ts$)/;
const EXECA = /node_modules\/execa\//;
// A rendered CIB is read by the strict scan (lib/xml/parse-lazily.ts): fast-xml-parser loads only for what it declines.
const XML_PARSER = /node_modules\/fast-xml-parser\//;

const loadRows: readonly LoadRow[] = [
  {
    name: "--help loads the declarations only",
    argv: ["--help"],
    loads: [/^lib\/cli\/cib-commands\.ts$/, /^lib\/cli\/sim-commands\.ts$/, /node_modules\/commander\//],
    never: [PLANNER, SIMULATE, CHECKS, RENDER, TEMPLATES, AGENTS, SIMULATOR, DEMO_AND_LAB, INSTALLER, EXECA, XML_PARSER, /^lib\/cli\/cib\//, /^lib\/cli\/\w+-actions\.ts$/],
  },
  {
    name: "cib render loads the templates and the renderer, no planner, checks, simulator, tool runner or XML parser",
    argv: ["cib", "render", "n-plus-m", "--set", "ipmi_addresses=192.0.2.11,192.0.2.12,192.0.2.13", "--set", "nodes=xen01,xen02", "--set", "spares=xen03", "--set", "domains=a:1024,b:1024", "-o", "out.xml"],
    loads: [RENDER, TEMPLATES, /^lib\/cli\/cib\/render\.ts$/],
    never: [PLANNER, SIMULATE, CHECKS, SIMULATOR, DEMO_AND_LAB, INSTALLER, EXECA, XML_PARSER, /^lib\/cib\/(live|import)\//],
  },
  {
    name: "cib plan loads the planner, no checks, templates, agents, crm_simulate, tool runner or XML parser",
    argv: ["cib", "plan", "out.xml"],
    loads: [PLANNER, /^lib\/cli\/cib\/plan\.ts$/],
    never: [SIMULATE, CHECKS, RENDER, TEMPLATES, AGENTS, SIMULATOR, DEMO_AND_LAB, INSTALLER, EXECA, XML_PARSER, /^lib\/cib\/(live|import)\//],
  },
  {
    name: "cib check --no-crm-verify loads the checks and the agents, no crm_simulate, crm_verify's runner, templates, simulator or XML parser",
    argv: ["cib", "check", "--no-crm-verify", "out.xml"],
    loads: [CHECKS, AGENTS, /^lib\/cli\/cib\/check\.ts$/],
    never: [SIMULATE, RENDER, TEMPLATES, SIMULATOR, DEMO_AND_LAB, INSTALLER, XML_PARSER, /^lib\/cib\/(check\/check|tools)\.ts$/, /^lib\/cib\/(live|import)\//],
  },
  {
    name: "sim status loads the simulator, nothing of the CIB tools",
    argv: ["sim", "status", "--root", "sim"],
    loads: [SIMULATOR, /^lib\/cli\/sim-actions\.ts$/],
    // (the simulator builds its programs' bundle with the installer's bundler: lib/sim/tool-bundle.ts)
    never: [PLANNER, SIMULATE, CHECKS, RENDER, TEMPLATES, AGENTS, DEMO_AND_LAB, XML_PARSER],
  },
];

t.test("a fresh xen-ha process loads only the invoked command's modules", async (t) => {
  const dir = workdir(t);
  mkdirSync(join(dir, "sim"));
  // render first: the later rows read its out.xml
  for (const row of loadRows) {
    const { exitCode, stderr, modules } = await loadedBy(row.argv, dir);
    t.equal(exitCode, 0, `${row.name}: exit 0`, { stderr });
    for (const pattern of row.loads) t.ok(modules.some((m) => pattern.test(m)), `${row.name}: loads ${pattern}`);
    for (const pattern of row.never) {
      t.same(modules.filter((m) => pattern.test(m)), [], `${row.name}: never ${pattern}`);
    }
  }
});

/** Every command of the program, as the words that invoke it, with its node. */
function commandsOf(command: Command, path: readonly string[] = []): { path: string[]; command: Command }[] {
  return command.commands.flatMap((sub) => {
    const here = [...path, sub.name()];
    return [{ path: here, command: sub }, ...commandsOf(sub, here)];
  });
}

async function cli(argv: readonly string[], cwd: string) {
  const out = { stdout: "", stderr: "" };
  const io: CliIo = { stdout: (text) => void (out.stdout += text), stderr: (text) => void (out.stderr += text), env: {}, cwd };
  return { code: await runCli(argv, io, xenHaCommands), ...out };
}

const silent: CliIo = { stdout: () => {}, stderr: () => {}, env: {}, cwd: "/" };
const all = commandsOf(buildProgram(silent, xenHaCommands));

t.test("--help lists every command, at every level, with its description", async (t) => {
  t.ok(all.length >= 20, `the program declares its commands (${all.length})`);
  for (const { path, command } of all) {
    const parent = await cli([...path.slice(0, -1), "--help"], "/");
    t.equal(parent.code, CliExit.Ok, `${path.slice(0, -1).join(" ") || "xen-ha"} --help`);
    t.match(parent.stdout, new RegExp(`\\n  ${command.name()}\\b`), `${path.join(" ")} is listed in its parent's help`);
    const own = await cli([...path, "--help"], "/");
    t.equal(own.code, CliExit.Ok, `${path.join(" ")} --help`);
    t.ok(own.stdout.includes(command.description().slice(0, 40)), `${path.join(" ")} --help has its description`);
    for (const option of command.options) t.ok(own.stdout.includes(option.flags), `${path.join(" ")} --help lists ${option.flags}`);
  }
});

/**
 * One invocation per command that reaches the command's own work (its lazily
 * imported module): each answers with something only that work says.
 */
const works: Readonly<Record<string, { readonly argv: readonly string[]; readonly code: number; readonly out: RegExp }>> = {
  "install": { argv: ["install", "--prefix", "taken"], code: CliExit.Problems, out: /^xen-ha: install: .*taken exists and is not an xen-ha installation/ },
  "demo": { argv: ["demo", "--time-factor", "5"], code: CliExit.Usage, out: /^xen-ha: --time-factor must be above 0 and at most 1\n$/ },
  "sim": { argv: ["sim", "status", "--root", "sim"], code: CliExit.Ok, out: /^no simulated hosts under /i },
  "sim env": { argv: ["sim", "env", "--root", "sim", "--persona", "xl-9"], code: CliExit.Usage, out: /^xen-ha: unknown persona xl-9/ },
  "sim config": { argv: ["sim", "config", "web", "--root", "sim", "--type", "bogus"], code: CliExit.Usage, out: /^xen-ha: unknown type bogus/ },
  "sim knob": { argv: ["sim", "knob", "autoballoon=on", "--root", "sim", "--host", "nohost"], code: CliExit.BadInput, out: /^xen-ha: .*nohost/ },
  "sim guest": { argv: ["sim", "guest", "Domain-0", "--root", "sim"], code: CliExit.Usage, out: /^xen-ha: not a usable domain name/ },
  "sim host": { argv: ["sim", "host", "kill", "nohost", "--root", "sim"], code: CliExit.BadInput, out: /^xen-ha: .*nohost/ },
  "sim host kill": { argv: ["sim", "host", "kill", "nohost", "--root", "sim"], code: CliExit.BadInput, out: /^xen-ha: .*nohost/ },
  "sim host start": { argv: ["sim", "host", "start", "nohost", "--root", "sim"], code: CliExit.BadInput, out: /^xen-ha: .*nohost/ },
  "sim status": { argv: ["sim", "status", "--root", "sim"], code: CliExit.Ok, out: /^no simulated hosts under /i },
  "sim calls": { argv: ["sim", "calls", "--root", "sim", "--host", "nohost"], code: CliExit.BadInput, out: /^xen-ha: .*nohost/ },
  "sim cleanup": { argv: ["sim", "cleanup", "--root", "sim"], code: CliExit.Ok, out: /^$/ },
  "cib": { argv: ["cib", "templates", "n-plus-m"], code: CliExit.Ok, out: /^n-plus-m\n/ },
  "cib templates": { argv: ["cib", "templates", "n-plus-n"], code: CliExit.Ok, out: /^n-plus-n\n/ },
  "cib render": { argv: ["cib", "render", "active-passive", "--set", IPMI], code: CliExit.Ok, out: /^<cib / },
  "cib check": { argv: ["cib", "check", "--no-crm-verify", "ap.xml"], code: CliExit.Ok, out: /^ap\.xml: 0 errors/m },
  "cib simulate": { argv: ["cib", "simulate", "ap.xml", "--fail", "xen1"], code: CliExit.Usage, out: /^xen-ha: .*'xen1' is not a node of this CIB/ },
  "cib plan": { argv: ["cib", "plan", "ap.xml"], code: CliExit.Ok, out: /1 failed host \(2 cases\)/ },
  "cib load": { argv: ["cib", "load", "missing.xml"], code: CliExit.BadInput, out: /^xen-ha: cannot read missing\.xml: no such file/ },
  "cib import-heartbeat": { argv: ["cib", "import-heartbeat", "ap.xml"], code: CliExit.BadInput, out: /already in the Pacemaker format/ },
};

t.test("every command reaches its work", async (t) => {
  t.same(all.map(({ path }) => path.join(" ")).sort(), Object.keys(works).sort(), "one row per declared command");
  for (const [name, row] of Object.entries(works)) {
    const dir = workdir(t);
    mkdirSync(join(dir, "sim"));
    mkdirSync(join(dir, "taken"));
    writeFileSync(join(dir, "taken", "someone-elses"), "x");
    t.equal((await cli(["cib", "render", "active-passive", "--set", IPMI, "-o", "ap.xml"], dir)).code, CliExit.Ok, "the fixture renders");
    const result = await cli(row.argv, dir);
    t.equal(result.code, row.code, `${name}: exit ${row.code}`, { stderr: result.stderr });
    t.match(result.code === CliExit.Ok ? result.stdout : result.stderr, row.out, `${name}: its own answer`);
  }
});
