import { tmpdir } from "node:os";
import { runCommand } from "../exec/command.ts";
import { runClusterDemo } from "../demo/cluster-demo.ts";
import { runDemo } from "../demo/demo.ts";
import { progress } from "../demo/progress.ts";
import { labUnsupported, type Leftovers } from "../lab/lab.ts";
import type { PersonaId } from "../sim/personas.ts";
import type { Registry } from "../install/plan.ts";
import { installThisPackage } from "./install-actions.ts";
import { CliError, CliExit, type CliIo } from "./io.ts";

export interface DemoOptions {
  /** one of the personas the declaration (demo-command.ts) offers */
  readonly persona: PersonaId;
  readonly timeFactor: string | undefined;
  readonly keep: boolean;
  /** Why the cluster demo is not to be tried (the switch in the environment), if it is not. */
  readonly noCluster: string | undefined;
}

const CLUSTER_NODES = ["node1", "node2", "node3"];
/** The cluster's domain: memory decides how long a live migration's pre-copy takes at real Xen latencies. */
const CLUSTER_MEMORY_MIB = 256;
const SIGNAL_SETTLE_MS = 200;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function parseTimeFactor(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const timeFactor = Number(text);
  if (!(timeFactor > 0 && timeFactor <= 1)) throw new CliError(CliExit.Usage, "--time-factor must be above 0 and at most 1");
  return timeFactor;
}

const asCliError = (error: unknown): CliError =>
  error instanceof CliError ? error : new CliError(CliExit.Unavailable, error instanceof Error ? error.message : String(error));

export async function demo(registry: Registry, options: DemoOptions, io: CliIo): Promise<void> {
  const cannot = options.noCluster ?? (await labUnsupported());
  if (cannot === undefined) return clusterDemo(registry, options, io);
  io.stdout(`no cluster on this machine (${cannot}): the single-host demo instead\n\n`);
  const result = await runDemo({
    tmpdir: io.env["TMPDIR"] || tmpdir(),
    persona: options.persona,
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
async function clusterDemo(registry: Registry, options: DemoOptions, io: CliIo): Promise<void> {
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
