import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

const RESOURCE = "vm1-rsc";
const DOMAIN = "vm1";
/** How long a crash may take to show in the simulator before the demo calls it a failure. */
const CRASH_WAIT_MS = 10_000;

/**
 * Installs XenDomain into a temporary OCF root, makes a simulated Xen host
 * and domain, and drives the domain's life through Pacemaker's crm_resource,
 * printing each step, its outcome and its duration.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const problem = await privateOcfRootProblem(options.run);
  if (problem) throw new Error(`the demo runs crm_resource on a temporary OCF root and needs root: ${problem}`);
  const base = mkdtempSync(join(options.tmpdir, "xen-ha-demo-"));
  chmodSync(base, 0o755);
  const simRoot = join(base, "sim");
  try {
    const dirs = { ocfRoot: join(base, "ocf"), prefix: join(base, "xen-ha"), sbinDir: join(base, "sbin"), stonithDir: join(base, "stonith") };
    const installed = await timed(() => options.install(dirs));
    options.out(`installed XenDomain into ${dirs.ocfRoot} (${installed.ms} ms; Node and ${installed.value.packages.length} packages in ${dirs.prefix})\n`);

    const host = createSimHost({ root: simRoot, host: "node1", persona: options.persona, timeFactor: options.timeFactor, basePath: options.systemPath });
    const config = writeSampleConfig({ root: simRoot, name: DOMAIN, extraLines: ['on_crash = "preserve"'] });
    const cibFile = join(base, "cib.xml");
    writeFileSync(cibFile, singlePrimitiveCib({ id: RESOURCE, provider: "xen-ha", type: "XenDomain", params: { xmfile: config, name: DOMAIN }, timeouts: { start: 60, stop: 40, monitor: 20 } }));
    options.out(`simulated host node1 (${options.persona}, time factor ${options.timeFactor}); domain config ${config}; CIB ${cibFile}\n\n`);

    const target: CrmTarget = { cibFile, ocfRoot: dirs.ocfRoot, env: host.env, run: options.run };
    const domainState = () => listDomains(simRoot, "node1").find((d) => d.name === DOMAIN)?.state;
    const started = Date.now();
    let ok = true;
    for (const [index, step] of demoSteps.entries()) {
      const outcome = await runStep(step, target, simRoot, domainState);
      const shape = domainShape(domainState());
      const good = outcome.rcOk && shape === step.expectDomain;
      ok &&= good;
      options.out(`${index + 1}. ${step.title}: ${outcome.what} (${outcome.ms} ms); xl list: ${domainState() ?? "no such domain"}${good ? "" : "  <- UNEXPECTED"}\n`);
      for (const line of outcome.detail) options.out(`     ${line}\n`);
    }
    const total = ((Date.now() - started) / 1000).toFixed(1);
    options.out(ok ? `\ndemo: all ${demoSteps.length} steps behaved as expected (${total} s)\n` : `\ndemo: some steps did not behave as expected (${total} s)\n`);
    return { ok, base };
  } finally {
    cleanupSim(simRoot);
    if (!options.keep) rmSync(base, { recursive: true, force: true });
  }
}

interface StepOutcome {
  readonly rcOk: boolean;
  readonly what: string;
  readonly ms: number;
  readonly detail: readonly string[];
}

async function runStep(step: DemoStep, target: CrmTarget, simRoot: string, state: () => string | undefined): Promise<StepOutcome> {
  if (step.kind === "crash") {
    const started = Date.now();
    stopGuest(simRoot, "node1", DOMAIN, "crash");
    while (domainShape(state()) !== "crashed" && Date.now() - started < CRASH_WAIT_MS) await sleep(20);
    return { rcOk: true, what: "guest crashed", ms: Date.now() - started, detail: [] };
  }
  const args =
    step.action === "validate"
      ? ["--validate", "--class", "ocf", "--provider", "xen-ha", "--agent", "XenDomain", "--option", `xmfile=${join(simRoot, "shared", `${DOMAIN}.cfg`)}`, "--option", `name=${DOMAIN}`]
      : [`--${step.action}`, "--resource", RESOURCE];
  const outcome = await crmResource(target, args);
  const what = `crm_resource --${step.action}: rc ${outcome.rc ?? "?"} (${outcome.message})`;
  return {
    rcOk: outcome.rc === step.expectRc,
    what,
    ms: outcome.ms,
    detail: outcome.reason ? [`exit reason: ${outcome.reason}`] : [],
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
