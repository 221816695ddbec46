/**
 * Benchmark: where XenDomain's time goes in the two actions a failover runs,
 * step by step, on a simulated host at xl's real timings (time factor 1:
 * `xl list` 30 ms, `xl create` 1.5 s):
 * - start of a domain that runs nowhere (a failover's start on the survivor);
 * - stop of a domain that crashed here (on_crash="destroy": gone before the
 *   stop), then the start that follows (a guest-crash recovery).
 * The agent runs in-process (no Node start-up in the figures); every child
 * it starts (toolstack, coreutils reading the config or xl's log) is listed
 * with its start, in ms after the action began, and its duration, from the
 * agent's own debug trace. Each simulated xl is a Node process (100-400 ms
 * on a loaded machine, where a real xl is a C binary), so the failover's
 * start is also timed against recorded xl answers given in-process after
 * the model's latency alone: the agent's own steps, without the simulator's
 * CPU. Prints the timelines and a table of medians; asserts nothing.
 *
 *   node test/bench/start-steps-bench.ts [--runs N]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { runCommand, type CommandRunner } from "../../lib/exec/command.ts";
import { OCF_NODE_FLAGS } from "../../lib/install/launcher.ts";
import { callLog, cleanupSim, createSimHost, DEFAULT_TIMING, listDomains, stopGuest, writeSampleConfig } from "../../lib/sim/index.ts";
import { xenDomainMain } from "../../agents/xen-domain/main.ts";
import { stdinOf } from "../support/capture-io.ts";
import { fixture } from "../support/fixtures.ts";
import { pacemakerEnv, type Env } from "../support/run-agent-in-process.ts";
import { simResource, type SimResource } from "../support/sim-resource.ts";
import { installToTemp, type TempInstall } from "../support/install-once.ts";
import { SYSTEM_PATH } from "../support/installed-sim.ts";
import { measure, median } from "./measure.ts";
import { formatTable } from "./table.ts";

const runsFlag = process.argv.indexOf("--runs");
const RUNS = runsFlag > 0 ? Math.max(1, Number(process.argv[runsFlag + 1]) || 5) : 5;

const op = (timeoutMs: number): Env => ({ ...pacemakerEnv("vm1-rsc", { timeoutMs }), HA_debug: "1" });

/** `exec: COMMAND -> OUTCOME in N ms` (lib/ocf/trace.ts), stamped when the agent wrote it. */
const EXEC = /exec: (.*?) -> (.*?) in (\d+) ms/;

interface Step {
  readonly what: string;
  readonly at: number;
  readonly ms: number;
}

/**
 * xl 4.17's recorded answers (test/fixtures/xl/4.17) after the model's
 * latency, in-process: list, info, create (which makes vm1 listed), list
 * NAME. Every other program is run for real (the agent reads its config with
 * coreutils).
 */
function modelXl(): CommandRunner {
  let created = false;
  const vm1 = fixture("xl/4.17/list-vm1.txt").split("\n")[1] as string;
  return async (file, args, options) => {
    if (file !== "xl") return runCommand(file, args, options);
    const began = performance.now();
    const answer = (stdout: string, stderr = "", exitCode = 0) => ({ command: ["xl", ...args].join(" "), exitCode, spawnError: undefined, signal: undefined, timedOut: false, stdout, stderr, durationMs: Math.round(performance.now() - began) });
    const [command, target] = args;
    await new Promise((resolve) => setTimeout(resolve, command === "create" ? DEFAULT_TIMING.createPvMs : DEFAULT_TIMING.queryMs));
    if (command === "info") return answer(fixture("xl/4.17/info.txt"));
    if (command === "create") return (created = true), answer("", "Parsing config from vm1.cfg\n");
    const listing = `${fixture("xl/4.17/list-empty.txt").trimEnd()}\n${created ? `${vm1}\n` : ""}`;
    if (command === "list" && target === undefined) return answer(listing);
    if (command === "list" && target === "vm1") return created ? answer(`${listing.split("\n")[0]}\n${vm1}\n`) : answer("", "vm1 is an invalid domain identifier (rc=-6)\n", 1);
    return answer("", `model xl: not recorded: ${args.join(" ")}\n`, 1);
  };
}

/** One action in-process: its wall time, exit code and the children it ran, in order. */
async function timed(r: SimResource, action: string, extra: Env, run?: CommandRunner): Promise<{ readonly ms: number; readonly code: number; readonly steps: readonly Step[] }> {
  const steps: Step[] = [];
  const began = performance.now();
  const io = {
    argv: [action],
    env: { ...r.env, ...extra },
    stdout: () => {},
    stderr: (text: string) => {
      const now = performance.now() - began;
      for (const line of text.split("\n")) {
        const [, command = "", , ms = "0"] = EXEC.exec(line) ?? [];
        if (command === "") continue;
        const words = command.split(" ");
        const program = (words[0] ?? "").split("/").at(-1) ?? "";
        const what = program === "xl" || program === "xm" ? words.slice(0, 3).join(" ").replace(/^\S*\//, "") : ["find", "stat", "dd"].includes(program) ? `config/log read (${program})` : program;
        steps.push({ what, at: Math.round(now - Number(ms)), ms: Number(ms) });
      }
    },
    stdin: stdinOf(""),
    syslog: async () => {},
  };
  const { code } = await xenDomainMain(io, run ? { run } : {});
  return { ms: Math.round(performance.now() - began), code, steps };
}

interface Case {
  readonly row: string;
  /** The toolstack's answers: the simulator's processes, or recorded ones after the model's latency. */
  readonly xl?: "model";
  /** Brings the host to the scene; returns the action to time. */
  readonly scene: (r: SimResource) => Promise<"start" | "stop">;
}

const crashed = async (r: SimResource): Promise<"stop"> => {
  if ((await r.run("start", op(60_000))).code !== 0) throw new Error("setup: start failed");
  if ((await r.run("monitor", { ...op(30_000), OCF_RESKEY_CRM_meta_interval: "10000" })).code !== 0) throw new Error("setup: monitor failed");
  stopGuest(r.root, r.host, r.name, "crash");
  const end = Date.now() + 10_000;
  while (r.domain() !== undefined && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
  return "stop";
};

const CASES: readonly Case[] = [
  { row: "start, domain runs nowhere (failover)", scene: async () => "start" },
  { row: "the same, xl at the model's latency in-process", xl: "model", scene: async () => "start" },
  { row: "stop, guest crashed (on_crash=destroy)", scene: crashed },
  {
    row: "start after that stop",
    scene: async (r) => {
      await crashed(r);
      if ((await r.run("stop", op(40_000))).code !== 0) throw new Error("setup: stop failed");
      return "start";
    },
  },
];

/** The cluster lab's time factor (test/cluster/domain-death-cluster.test.ts): xl create 150 ms. */
const LAB_TIME_FACTOR = 0.1;

/**
 * A start, a crash and the stop and start of the recovery, each a fresh
 * process of the installed agent; per variant (launcher), per action: wall
 * (launch to exit) and, for starts, launch to the simulator's `xl create`.
 */
async function installedRuns(): Promise<void> {
  const variants: { readonly label: string; readonly install: TempInstall }[] = [
    { label: `as installed (${OCF_NODE_FLAGS.join(" ") || "no flags"})`, install: await installToTemp("xen-ha-steps-") },
    { label: "without those flags", install: await installToTemp("xen-ha-steps-") },
  ];
  const plain = variants[1]!.install.agentPath("XenDomain");
  const launcher = readFileSync(plain, "utf8");
  const stripped = OCF_NODE_FLAGS.reduce((text, flag) => text.replace(` '${flag}'`, ""), launcher);
  if (OCF_NODE_FLAGS.length > 0 && stripped === launcher) throw new Error(`no flag found to strip in ${plain}`);
  writeFileSync(plain, stripped);
  const simRoot = join(variants[0]!.install.base, "sim");
  const figures = new Map<string, number[]>();
  const add = (key: string, value: number) => figures.set(key, [...(figures.get(key) ?? []), value]);
  const loads: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const [index, { label, install }] of variants.entries()) {
        loads.push(loadavg()[0] ?? NaN);
        const host = `h${run}v${index}`;
        const sim = createSimHost({ root: simRoot, host, persona: "xl-4.17", timeFactor: LAB_TIME_FACTOR, basePath: SYSTEM_PATH });
        const config = writeSampleConfig({ root: simRoot, name: "vm1", out: join(simRoot, "shared", `${host}-vm1.cfg`) });
        const env = (timeoutMs: number, intervalMs?: number) => ({
          ...pacemakerEnv("vm1-rsc", { timeoutMs, ...(intervalMs === undefined ? {} : { intervalMs }) }),
          ...sim.env,
          HA_RSCTMP: join(simRoot, "rsctmp", host),
          OCF_RESKEY_xmfile: config,
        });
        const act = async (action: string, timeoutMs: number, row?: string, intervalMs?: number) => {
          const launched = Date.now();
          const outcome = await measure(install.agentPath("XenDomain"), [action], env(timeoutMs, intervalMs));
          if (outcome.rc !== (action === "monitor" && intervalMs === 0 ? 7 : 0)) throw new Error(`${label} ${action}: rc ${outcome.rc}: ${outcome.stderr.slice(-400)}`);
          if (row === undefined) return;
          add(`${row}|${label}|wall`, outcome.wallMs);
          const create = callLog(simRoot, host).find((c) => c.tool === "xl" && c.argv[0] === "create" && c.startedAt >= launched);
          if (create) add(`${row}|${label}|create`, create.startedAt - launched);
        };
        // a probe first, as Pacemaker's; the first one of an install writes its code cache (lib/install/launcher.ts)
        await act("monitor", 30_000, undefined, 0);
        await act("start", 60_000, "start, domain runs nowhere");
        await act("monitor", 30_000, undefined, 10_000);
        stopGuest(simRoot, host, "vm1", "crash");
        const end = Date.now() + 10_000;
        while (listDomains(simRoot, host).some((d) => d.name === "vm1") && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
        await act("stop", 40_000, "stop, guest crashed");
        await act("start", 60_000, "start after that stop");
        await act("stop", 40_000);
      }
    }
  } finally {
    cleanupSim(simRoot);
    for (const { install } of variants) install.remove();
  }
  const table = ["start, domain runs nowhere", "stop, guest crashed", "start after that stop"].flatMap((row) =>
    variants.map(({ label }) => {
      const create = figures.get(`${row}|${label}|create`) ?? [];
      return [row, label, `${median(figures.get(`${row}|${label}|wall`) ?? [])} ms`, create.length > 0 ? `${median(create)} ms` : "-"];
    }),
  );
  process.stdout.write(`XenDomain installed, a fresh process per action, simulated xl at time factor ${LAB_TIME_FACTOR}, ${RUNS} runs interleaved (medians; load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)})\n\n`);
  process.stdout.write(`${formatTable(["action", "launcher", "wall", "to xl create"], table)}\n`);
}

if (process.argv.includes("--installed")) {
  await installedRuns();
  process.exit(0);
}

const rows: string[][] = [];
for (const c of CASES) {
  const walls: number[] = [];
  const beforeCreate: number[] = [];
  const childCounts: number[] = [];
  const codes = new Set<number>();
  let example: readonly Step[] = [];
  for (let run = 0; run < RUNS; run++) {
    const r = simResource({ host: { timeFactor: 1 } });
    try {
      const action = await c.scene(r);
      const outcome = await timed(r, action, op(action === "start" ? 60_000 : 40_000), c.xl === "model" ? modelXl() : undefined);
      walls.push(outcome.ms);
      codes.add(outcome.code);
      childCounts.push(outcome.steps.length);
      const create = outcome.steps.find((s) => s.what.startsWith("xl create"));
      if (create) beforeCreate.push(create.at);
      example = outcome.steps;
    } finally {
      r.dispose();
    }
  }
  rows.push([c.row, `${median(walls)} ms`, beforeCreate.length > 0 ? `${median(beforeCreate)} ms` : "-", String(median(childCounts)), [...codes].join("/")]);
  process.stdout.write(`${c.row}, last run: ${example.map((s) => `${s.what}@${s.at}(${s.ms})`).join(" ")}\n`);
}
process.stdout.write(`\nXenDomain in-process at xl's real timings (factor 1), ${RUNS} runs (medians)\n\n`);
process.stdout.write(`${formatTable(["case", "wall", "to xl create", "children", "rc"], rows)}\n`);
