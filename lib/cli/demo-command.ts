import { tmpdir } from "node:os";
import { runCommand } from "../exec/command.ts";
import { runDemo } from "../demo/demo.ts";
import { PERSONA_IDS, type PersonaId } from "../sim/index.ts";
import type { Registry } from "../install/plan.ts";
import { installThisPackage } from "./install-command.ts";
import { CliError, CliExit, type CliIo } from "./io.ts";
import type { Register } from "./program.ts";

interface DemoCliOptions {
  readonly persona: string;
  readonly timeFactor: string;
  readonly keep: boolean;
}

const DEMO_PERSONAS = PERSONA_IDS.filter((p) => p !== "none");

async function demo(registry: Registry, options: DemoCliOptions, io: CliIo): Promise<void> {
  if (!(DEMO_PERSONAS as readonly string[]).includes(options.persona)) {
    throw new CliError(CliExit.Usage, `--persona must be one of ${DEMO_PERSONAS.join(", ")}`);
  }
  const timeFactor = Number(options.timeFactor);
  if (!(timeFactor > 0 && timeFactor <= 1)) throw new CliError(CliExit.Usage, "--time-factor must be above 0 and at most 1");
  const result = await runDemo({
    tmpdir: io.env["TMPDIR"] || tmpdir(),
    persona: options.persona as PersonaId,
    timeFactor,
    keep: options.keep,
    install: (dirs) => installThisPackage(registry, dirs),
    run: runCommand,
    out: io.stdout,
    systemPath: io.env["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin",
  }).catch((error: unknown) => {
    if (error instanceof CliError) throw error;
    throw new CliError(CliExit.Unavailable, error instanceof Error ? error.message : String(error));
  });
  if (options.keep) io.stdout(`kept ${result.base}\n`);
  if (!result.ok) throw new CliError(CliExit.Problems, "the demo saw unexpected results (above)");
}

export const demoCommand = (registry: Registry): Register => (program, io) => {
  program
    .command("demo")
    .description(
      "install XenDomain into a temporary OCF root and drive a simulated domain through start, monitor, " +
        "a crash and stop with Pacemaker's crm_resource (needs root and Pacemaker's CLI tools)",
    )
    .option("--persona <persona>", `simulated toolstack: ${DEMO_PERSONAS.join(", ")}`, "xl-4.17")
    .option("--time-factor <factor>", "scales the simulator's latencies (1 = real Xen timing)", "0.1")
    .option("--keep", "keep the temporary installation, simulator state and CIB", false)
    .action((options: DemoCliOptions) => demo(registry, options, io));
};
