import { tmpdir } from "node:os";
import { runCommand } from "../exec/command.ts";
import { runClusterDemo } from "../demo/cluster-demo.ts";
import { runDemo } from "../demo/demo.ts";
import { progress } from "../demo/progress.ts";
import { labUnsupported, type Leftovers } from "../lab/lab.ts";
import { PERSONA_IDS, type PersonaId } from "../sim/index.ts";
import type { Registry } from "../install/plan.ts";
import { installThisPackage } from "./install-command.ts";
import { CliError, CliExit, type CliIo } from "./io.ts";
import type { Register } from "./program.ts";

interface DemoCliOptions {
  readonly persona: string;
  readonly timeFactor: string | undefined;
  readonly keep: boolean;
}

/** Set to "off", the demo runs as if this machine could not run the cluster (how the fallback is tested). */
export const CLUSTER_SWITCH = "XEN_HA_DEMO_CLUSTER";
const CLUSTER_NODES = ["node1", "node2", "node3"];
/** The cluster's domain: memory decides how long a live migration's pre-copy takes at real Xen latencies. */
const CLUSTER_MEMORY_MIB = 256;
const SIGNAL_SETTLE_MS = 200;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const DEMO_PERSONAS = PERSONA_IDS.filter((p) => p !== "none");

function parseTimeFactor(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const timeFactor = Number(text);
  if (!(timeFactor > 0 && timeFactor <= 1)) throw new CliError(CliExit.Usage, "--time-factor must be above 0 and at most 1");
  return timeFactor;
}

const asCliError = (error: unknown): CliError =>
  error instanceof CliError ? error : new CliError(CliExit.Unavailable, error instanceof Error ? error.message : String(error));

async function demo(registry: Registry, options: DemoCliOptions, io: CliIo): Promise<void> {
  if (!(DEMO_PERSONAS as readonly string[]).includes(options.persona)) {
    throw new CliError(CliExit.Usage, `--persona must be one of ${DEMO_PERSONAS.join(", ")}`);
  }
  const cannot = io.env[CLUSTER_SWITCH] === "off" ? `${CLUSTER_SWITCH}=off` : await labUnsupported();
  if (cannot === undefined) return clusterDemo(registry, options, io);
  io.stdout(`no cluster on this machine (${cannot}): the single-host demo instead\n\n`);
  const result = await runDemo({
    tmpdir: io.env["TMPDIR"] || tmpdir(),
    persona: options.persona as PersonaId,
    timeFactor: parseTimeFactor(options.timeFactor, 0.1),
    keep: options.keep,
    install: (dirs) => installThisPackage(registry, dirs),
    run: runCommand,
    out: io.stdout,
    systemPath: io.env["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin",
  }).catch((error: unknown) => {
    throw asCliError(error);
  });
  if (options.keep) io.stdout(`kept ${result.base}\n`);
  if (!result.ok) throw new CliError(CliExit.Problems, "the demo saw unexpected results (above)");
}

/** The cluster demo; SIGINT and SIGTERM remove the lab before the process ends. */
async function clusterDemo(registry: Registry, options: DemoCliOptions, io: CliIo): Promise<void> {
  let down: (() => Promise<Leftovers>) | undefined;
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    io.stdout(`\n${signal}: removing the cluster lab ...\n`);
    // lib/exec, too, hears the signal: it kills the commands in flight and sends the signal again;
    // the teardown's own commands start once that has passed
    void sleep(SIGNAL_SETTLE_MS)
      .then(() => down?.())
      .then(
      (left) => {
        const count = left ? left.namespaces.length + left.mounts.length + left.processes.length : 0;
        io.stdout(count === 0 ? "lab removed\n" : `the lab left ${JSON.stringify(left)}\n`);
        process.exit(signal === "SIGINT" ? 130 : 143);
      },
      () => process.exit(1),
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const ok = await runClusterDemo({
      nodes: CLUSTER_NODES,
      timeFactor: parseTimeFactor(options.timeFactor, 1),
      memoryMiB: CLUSTER_MEMORY_MIB,
      install: (dirs) => installThisPackage(registry, dirs),
      out: io.stdout,
      progress: progress(io.stdout, process.stdout.isTTY === true, process.stdout.columns),
      onDown: (teardown) => (down = teardown),
    }).catch((error: unknown) => {
      throw asCliError(error);
    });
    if (!ok) throw new CliError(CliExit.Problems, "the demo saw unexpected results (above)");
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

export const demoCommand = (registry: Registry): Register => (program, io) => {
  program
    .command("demo")
    .description(
      "run a three-node Pacemaker cluster of simulated Xen hosts in namespaces: load a domain from a template, " +
        "live-migrate it, crash its host and watch the fence and the restart (needs root, corosync, Pacemaker); " +
        `elsewhere (or with ${CLUSTER_SWITCH}=off) drive one simulated domain through crm_resource on one host`,
    )
    .option("--persona <persona>", `single-host demo: simulated toolstack, ${DEMO_PERSONAS.join(", ")}`, "xl-4.17")
    .option("--time-factor <factor>", "scales the simulator's latencies (1 = real Xen timing; default 1 in the cluster, 0.1 on one host)")
    .option("--keep", "single-host demo: keep the temporary installation, simulator state and CIB", false)
    .action((options: DemoCliOptions) => demo(registry, options, io));
};
