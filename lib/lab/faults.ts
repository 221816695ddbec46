import { callLog, setHostKnobs, stopGuest } from "../sim/index.ts";
import { type XenDomainOps } from "./cib.ts";
import { sleep, until } from "./host-command.ts";
import type { ClusterLab } from "./lab.ts";
import { fenceDone, outageAfter, type watchService } from "./observe.ts";
import { locate, settle } from "./scenarios.ts";

/**
 * The faults a trial injects into a running 3-node lab with vm1 loaded
 * (doc/cluster-lab.md §4 says what each does), how the lab is brought back
 * to a settled cluster between trials, and what a trial saw. The choices a
 * trial makes (which node, how long to wait) come in as numbers in [0, 1):
 * the caller draws them from a seeded generator, so a trial replays.
 */
export const FAULTS = [
  "node-crash",
  "partition",
  "fence-fails",
  "toolstack-hang",
  "guest-crash",
  "migration-source-crash",
  "migration-target-crash",
  "dc-crash",
] as const;
export type Fault = (typeof FAULTS)[number];

/** A trial's choices, each drawn uniformly from [0, 1). */
export interface FaultChoices {
  /** Which other node a migration or move goes to. */
  readonly target: number;
  /** How far into the migration or transition the crash comes. */
  readonly delay: number;
  /** How many fences fail before one succeeds (1 or 2). */
  readonly failures: number;
}

/**
 * vm1's operations in the trials: a monitor every 3 s and a 20 s stop, so
 * that a hung toolstack is found and escalated to a fence (a failed stop)
 * in well under a minute; the rest as the cluster test has them.
 */
export const trialOps = (ops: XenDomainOps): XenDomainOps => ({ ...ops, stop: 20, monitor: 10, monitorInterval: 3 });

type Service = ReturnType<typeof watchService>;

export interface Injected {
  /** When the fault struck, epoch ms. */
  readonly at: number;
  /** Nodes the fault took out (powered off or cut off): vm1 must end up elsewhere and each must be fenced. */
  readonly out: string[];
  readonly what: string;
}

const pick = <T>(items: readonly T[], choice: number): T => items[Math.min(items.length - 1, Math.floor(choice * items.length))] as T;

const hostOfVm1 = (lab: ClusterLab): string => {
  const hosts = lab.vm1Hosts();
  if (hosts.length !== 1) throw new Error(`vm1 is not on exactly one host before the fault (${hosts.join(", ") || "none"})`);
  return hosts[0] as string;
};

async function runOn(lab: ClusterLab, node: string, command: readonly string[]): Promise<void> {
  const result = await lab.run(node, command);
  if (result.exitCode !== 0) throw new Error(`on ${node}: ${command.join(" ")}: exit ${result.exitCode}\n${result.stderr}`);
}

/** Asks for vm1's move to the chosen other node; returns the source and the target. */
async function startMove(lab: ClusterLab, choice: number, askOn?: string): Promise<{ source: string; target: string }> {
  const source = hostOfVm1(lab);
  const target = pick(
    lab.nodes.filter((n) => n !== source),
    choice,
  );
  await runOn(lab, askOn ?? target, ["crm_resource", "--move", "-r", lab.resource, "--node", target]);
  return { source, target };
}

/** Waits (bounded) until the source's toolstack runs `xl migrate`, then the chosen part of the expected copy time. */
async function intoMigration(lab: ClusterLab, source: string, since: number, expectedMs: number, delay: number): Promise<void> {
  const migrating = () => callLog(lab.simRoot, source).some((c) => c.tool === "xl" && c.argv[0] === "migrate" && c.startedAt >= since && c.exitCode === undefined);
  try {
    await until(`xl migrate running on ${source}`, () => (migrating() ? true : undefined), 60_000, 20);
  } catch (error) {
    const calls = lab.nodes.map((n) => `${n}: ${callLog(lab.simRoot, n).filter((c) => c.tool === "xl" && c.startedAt >= since).map((c) => c.argv.join(" ")).join(", ")}`);
    throw new Error(`${(error as Error).message} (xl calls since: ${calls.join("; ")})`);
  }
  await sleep(Math.round(delay * expectedMs));
}

/** Injects `fault`; `migrationMs` is how long the simulator's copy of vm1 takes. */
export async function inject(lab: ClusterLab, fault: Fault, choices: FaultChoices, migrationMs: number): Promise<Injected> {
  const host = hostOfVm1(lab);
  const now = Date.now();
  switch (fault) {
    case "node-crash":
      lab.powerOff(host);
      return { at: now, out: [host], what: `${host} (running vm1) crashed` };
    case "partition":
      await lab.partition(host);
      return { at: now, out: [host], what: `${host} (running vm1) cut off the network` };
    case "fence-fails": {
      const failures = 1 + Math.floor(choices.failures * 2);
      lab.failNextFences(failures);
      await lab.partition(host);
      return { at: now, out: [host], what: `${host} (running vm1) cut off; the first ${failures} fence(s) fail` };
    }
    case "toolstack-hang":
      setHostKnobs(lab.simRoot, host, { hang: ["*"] });
      return { at: now, out: [host], what: `every xl command on ${host} (running vm1) hangs` };
    case "guest-crash":
      if (!stopGuest(lab.simRoot, host, "vm1", "crash")) throw new Error(`no vm1 on ${host} to crash`);
      return { at: now, out: [], what: `vm1's kernel crashed on ${host}` };
    case "migration-source-crash":
    case "migration-target-crash": {
      const { source, target } = await startMove(lab, choices.target);
      await intoMigration(lab, source, now, migrationMs, choices.delay);
      const victim = fault === "migration-source-crash" ? source : target;
      const at = Date.now();
      lab.powerOff(victim);
      return { at, out: [victim], what: `${victim} crashed ${Math.round(choices.delay * migrationMs)} ms into migrating vm1 ${source}->${target}` };
    }
    case "dc-crash": {
      const dc = (await lab.view(host))?.dc;
      if (dc === undefined) throw new Error("no DC before the fault");
      const askOn = lab.nodes.find((n) => n !== dc) as string;
      const { source, target } = await startMove(lab, choices.target, askOn);
      const wait = Math.round(choices.delay * 500);
      await sleep(wait);
      const at = Date.now();
      lab.powerOff(dc);
      return { at, out: [dc], what: `the DC ${dc} crashed ${wait} ms after vm1's move ${source}->${target} was asked` };
    }
  }
}

export interface TrialOutcome {
  readonly restored: boolean;
  /** Fault to the service answering for good, ms (0: it never stopped answering). */
  readonly restoreMs: number | undefined;
  readonly hostAfter: string | undefined;
  /** Nodes fence_lab powered off since the fault, with failed attempts. */
  readonly fenced: string[];
  /** Fault to the first successful fence, ms. */
  readonly fenceMs: number | undefined;
  readonly failedFences: number;
  /** A problem other than a double run (not restored, vm1 started before its old host was fenced). */
  readonly problem: string | undefined;
}

/** A live node of the quorate side: not taken out and powered on. */
const liveNode = (lab: ClusterLab, out: readonly string[]): string => lab.nodes.find((n) => !out.includes(n) && lab.isPoweredOn(n)) ?? (lab.nodes[0] as string);

/** Waits until vm1 runs once, away from the nodes taken out, serves, and the cluster is idle; reads what happened. */
export async function awaitRecovery(lab: ClusterLab, service: Service, fault: Fault, injected: Injected, timeoutMs = 180_000): Promise<TrialOutcome> {
  const { at, out } = injected;
  const failedBefore = (lab.fenceLog().match(/failed as the fence-failures knob asks/g) ?? []).length;
  let problem: string | undefined;
  try {
    await until(
      "vm1 running once, away from the failed nodes, and serving",
      () => {
        const hosts = lab.vm1Hosts();
        const placed = hosts.length === 1 && !out.includes(hosts[0] as string);
        // the guest crash's outage must have been seen and be over (the prober is 20 ms behind)
        const seen = fault !== "guest-crash" || outageAfter(service.transitions, at) !== undefined;
        return placed && seen && service.isUp() ? true : undefined;
      },
      timeoutMs,
      20,
    );
    await settle(lab, liveNode(lab, out));
  } catch (error) {
    problem = `not restored: ${(error as Error).message.split("\n")[0]}`;
  }
  const hosts = lab.vm1Hosts();
  const fences = fenceDone(lab.fenceLog()).filter((f) => f.at >= at);
  const fenced = [...new Set(fences.map((f) => f.target))];
  const failedFences = (lab.fenceLog().match(/failed as the fence-failures knob asks/g) ?? []).length - failedBefore;
  for (const node of out) if (!fenced.includes(node) && problem === undefined) problem = `${node} was never fenced`;
  // the safety order behind never-twice: a new copy of vm1 is created only after its old host is fenced
  const host = hosts.length === 1 ? hosts[0] : undefined;
  const created = host === undefined ? undefined : callLog(lab.simRoot, host).find((c) => c.tool === "xl" && c.argv[0] === "create" && c.startedAt >= at);
  for (const node of out) {
    const fence = fences.find((f) => f.target === node);
    if (created && fence && created.startedAt < fence.at && problem === undefined) problem = `vm1 created on ${host} before ${node} was fenced`;
  }
  const lastDown = [...service.transitions].reverse().find((t) => t.at >= at && !t.up);
  const backUp = lastDown && service.transitions.find((t) => t.at > lastDown.at && t.up);
  const restored = problem === undefined || !problem.startsWith("not restored");
  return {
    restored,
    restoreMs: !restored ? undefined : lastDown === undefined ? 0 : backUp ? backUp.at - at : undefined,
    hostAfter: host,
    fenced,
    fenceMs: fences[0] === undefined ? undefined : fences[0].at - at,
    failedFences,
    problem,
  };
}

/**
 * Back to a settled cluster with every node online and vm1 once: links up,
 * knobs cleared, vm1's move constraint and failcounts cleared, powered-off
 * nodes powered on (fresh /run, daemons started), Pacemaker idle.
 */
export async function resetLab(lab: ClusterLab): Promise<void> {
  lab.failNextFences(0);
  for (const node of lab.nodes) {
    await lab.heal(node);
    setHostKnobs(lab.simRoot, node, { hang: [] });
  }
  const driver = liveNode(lab, []);
  // no constraint left is fine: --clear then reports nothing to do
  await lab.run(driver, ["crm_resource", "--clear", "-r", lab.resource]);
  for (const node of lab.nodes) if (!lab.isPoweredOn(node)) await lab.powerOn(node);
  await lab.untilOnline(driver, lab.nodes, 120_000);
  await runOn(lab, driver, ["crm_resource", "--cleanup", "-r", lab.resource]);
  await settle(lab, driver);
  await until("vm1 on exactly one host after the reset", () => (lab.vm1Hosts().length === 1 ? true : undefined), 120_000, 100);
  const located = await locate(lab, driver);
  if (located.length !== 1 || located[0] !== lab.vm1Hosts()[0]) throw new Error(`after the reset Pacemaker locates vm1 on ${located.join(", ") || "nothing"}, the simulator on ${lab.vm1Hosts().join(", ")}`);
}
