import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CommandRunner } from "../exec/command.ts";
import type { InstallDirs } from "../install/plan.ts";
import type { InstallReport } from "../install/install.ts";
import { privateOcfRootProblem } from "../install/private-ocf-root.ts";
import { cleanupSim, createSimHost, listDomains, stopGuest, writeSampleConfig, type PersonaId } from "../sim/index.ts";
import { singlePrimitiveCib } from "./cib.ts";
import { crmResource, type CrmTarget } from "./crm-resource.ts";
import { demoSteps, domainShape, type DemoStep } from "./scenario.ts";

export interface DemoOptions {
  readonly tmpdir: string;
  readonly persona: PersonaId;
  readonly timeFactor: number;
  /** Leave the temporary tree (installation, simulator state, CIB) for inspection. */
  readonly keep: boolean;
  readonly install: (dirs: InstallDirs) => Promise<InstallReport>;
  readonly run: CommandRunner;
  readonly out: (text: string) => void;
  /** PATH after the simulated host's bin dir (crm_resource must be on it). */
  readonly systemPath: string;
}

export interface DemoResult {
  readonly ok: boolean;
  readonly base: string;
}

const HOST = "node1";
const RESOURCE = "vm1-rsc";
const DOMAIN = "vm1";
/** How long a crash may take to show in the simulator before the demo calls it a failure. */
const CRASH_WAIT_MS = 10_000;

/** Everything the story runs against: crm_resource's view and the simulator's ground truth. */
interface Scene {
  readonly target: CrmTarget;
  readonly simRoot: string;
  readonly config: string;
  readonly domainState: () => string | undefined;
}

/**
 * Installs XenDomain into a temporary OCF root, makes a simulated Xen host
 * and domain, and drives the domain's life through Pacemaker's crm_resource,
 * printing each step, its outcome and its duration.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const problem = await privateOcfRootProblem(options.run);
  if (problem) throw new Error(`the demo runs crm_resource on a temporary OCF root and needs root: ${problem}`);
  const base = mkdtempSync(join(options.tmpdir, "xen-ha-demo-"));
  chmodSync(base, 0o755); // so that nothing inside is hidden from other users
  const simRoot = join(base, "sim");
  try {
    const scene = await setScene(base, simRoot, options);
    const started = Date.now();
    let ok = true;
    for (const [index, step] of demoSteps.entries()) {
      const outcome = await runStep(step, scene);
      const state = scene.domainState();
      const good = outcome.rcOk && domainShape(state) === step.expectDomain;
      ok &&= good;
      options.out(
        `${index + 1}. ${step.title}: ${outcome.what} (${outcome.ms} ms); ` +
          `simulator: ${state ?? "no such domain"}${good ? "" : "  <- UNEXPECTED"}\n`,
      );
      if (outcome.reason) options.out(`     exit reason: ${outcome.reason}\n`);
    }
    const total = `${((Date.now() - started) / 1000).toFixed(1)} s`;
    options.out(
      ok
        ? `\ndemo: all ${demoSteps.length} steps behaved as expected (${total})\n`
        : `\ndemo: some steps did not behave as expected (${total})\n`,
    );
    return { ok, base };
  } finally {
    cleanupSim(simRoot);
    if (!options.keep) rmSync(base, { recursive: true, force: true });
  }
}

async function setScene(base: string, simRoot: string, options: DemoOptions): Promise<Scene> {
  const dirs: InstallDirs = {
    ocfRoot: join(base, "ocf"),
    prefix: join(base, "xen-ha"),
    sbinDir: join(base, "sbin"),
    stonithDir: join(base, "stonith"),
  };
  const installStarted = Date.now();
  const report = await options.install(dirs);
  options.out(
    `installed XenDomain into ${dirs.ocfRoot} (${Date.now() - installStarted} ms; ` +
      `Node and ${report.packages.length} packages in ${dirs.prefix})\n`,
  );
  const host = createSimHost({
    root: simRoot,
    host: HOST,
    persona: options.persona,
    timeFactor: options.timeFactor,
    basePath: options.systemPath,
  });
  // preserve: a crashed guest stays visible as ---sc-, so the monitor has a crash to report
  const config = writeSampleConfig({ root: simRoot, name: DOMAIN, extraLines: ['on_crash = "preserve"'] });
  const cibFile = join(base, "cib.xml");
  writeFileSync(
    cibFile,
    singlePrimitiveCib({
      id: RESOURCE,
      provider: "xen-ha",
      type: "XenDomain",
      params: { xmfile: config, name: DOMAIN },
      timeouts: { start: 60, stop: 40, monitor: 20 },
    }),
  );
  options.out(
    `simulated host ${HOST} (${options.persona}, time factor ${options.timeFactor}); ` +
      `domain config ${config}; CIB ${cibFile}\n\n`,
  );
  // the agent's per-resource record goes with the rest of the demo, not into the machine's /run
  const rscTmp = join(base, "rsctmp");
  mkdirSync(rscTmp);
  return {
    target: { cibFile, ocfRoot: dirs.ocfRoot, env: { ...host.env, HA_RSCTMP: rscTmp }, run: options.run },
    simRoot,
    config,
    domainState: () => listDomains(simRoot, HOST).find((d) => d.name === DOMAIN)?.state,
  };
}

interface StepOutcome {
  readonly rcOk: boolean;
  readonly what: string;
  readonly ms: number;
  readonly reason: string | undefined;
}

async function runStep(step: DemoStep, scene: Scene): Promise<StepOutcome> {
  if (step.kind === "crash") {
    const started = Date.now();
    stopGuest(scene.simRoot, HOST, DOMAIN, "crash");
    while (domainShape(scene.domainState()) !== "crashed" && Date.now() - started < CRASH_WAIT_MS) await sleep(20);
    return { rcOk: true, what: "guest crashed", ms: Date.now() - started, reason: undefined };
  }
  const args =
    step.action === "validate"
      ? ["--validate", "--class", "ocf", "--provider", "xen-ha", "--agent", "XenDomain"].concat(
          ["--option", `xmfile=${scene.config}`, "--option", `name=${DOMAIN}`],
        )
      : [`--${step.action}`, "--resource", RESOURCE];
  const outcome = await crmResource(scene.target, args);
  return {
    rcOk: outcome.rc === step.expectRc,
    what: `crm_resource --${step.action}: rc ${outcome.rc ?? "?"} (${outcome.message})`,
    ms: outcome.ms,
    reason: outcome.reason,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
