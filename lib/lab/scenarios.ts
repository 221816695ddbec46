import type { CommandResult } from "../exec/command.ts";
import { toMs, type AgentDocs } from "../ocf/define-agent.ts";
import { callLog, guestServicePort, stopGuest } from "../sim/index.ts";
import { xenDomainResource, type XenDomainOps } from "./cib.ts";
import { until } from "./host-command.ts";
import type { ClusterLab } from "./lab.ts";
import { fenceDone, fencedLine, firstAnswerAfter, lineCount, opResults, outageAfter, type OpResult, type watchService } from "./observe.ts";

/**
 * The cluster scenes the test asserts on and the benchmark times: load vm1,
 * move it with crm_resource (Pacemaker live-migrates it), crash the node
 * running it (the survivor fences it and starts vm1). Each returns what
 * happened, read from the ground truth, the nodes' logs and a client of the
 * guest's service.
 */
/**
 * vm1's operations; migrate_from gets what the XenDomain it is given advertises,
 * the least `xen-ha cib check` accepts (the agent is passed in: lib/ does not
 * import agents/).
 */
export function vm1Ops(xenDomain: AgentDocs): XenDomainOps {
  const advertised = xenDomain.advertised.find((a) => a.name === "migrate_from");
  if (!advertised) throw new Error(`${xenDomain.name} advertises no migrate_from`);
  return { start: 90, stop: 90, monitor: 30, monitorInterval: 10, migrateTo: 180, migrateFrom: toMs(advertised.timeout) / 1000 };
}

type Service = ReturnType<typeof watchService>;

const sameHosts = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((h, i) => h === b[i]);

async function must(lab: ClusterLab, node: string, command: readonly string[], timeoutMs = 120_000): Promise<CommandResult> {
  const result = await lab.run(node, command, timeoutMs);
  if (result.exitCode !== 0) throw new Error(`on ${node}: ${command.join(" ")}: exit ${result.exitCode}\n${result.stdout}${result.stderr}`);
  return result;
}

/** Where `node` says vm1 runs (crm_resource --locate). */
export async function locate(lab: ClusterLab, node: string): Promise<string[]> {
  const result = await lab.run(node, ["crm_resource", "--locate", "-r", lab.resource]);
  return [...result.stdout.matchAll(/is running on: (\S+)/g)].map((m) => m[1] as string).sort();
}

/** Waits until the cluster has no pending actions (crm_resource --wait, bounded). */
export const settle = (lab: ClusterLab, node: string): Promise<CommandResult> => must(lab, node, ["crm_resource", "--wait", "--timeout", "120s"], 130_000);

const onlyVm1On = (lab: ClusterLab, host: string) => () => (sameHosts(lab.vm1Hosts(), [host]) ? true : undefined);

/** Loads vm1 with cibadmin and waits until it runs on one node and the cluster is idle. */
export async function loadVm1(lab: ClusterLab, ops: XenDomainOps): Promise<{ host: string; port: number }> {
  const node = lab.nodes[0] as string;
  await must(lab, node, ["cibadmin", "--create", "-o", "resources", "-X", xenDomainResource(lab.resource, lab.config, ops).text]);
  const host = await until("vm1 on one simulated host", () => (lab.vm1Hosts().length === 1 ? lab.vm1Hosts()[0] : undefined), 120_000, 100);
  await settle(lab, node);
  const port = guestServicePort(lab.simRoot, host, "vm1");
  if (port === undefined) throw new Error("vm1 has no service port");
  return { host, port };
}

const logMarks = (lab: ClusterLab): Map<string, number> => new Map(lab.nodes.map((n) => [n, lineCount(lab.pacemakerLog(n))]));

/** vm1's resource's operation results logged on every node since the marks (each node logs its own executor's results). */
const resultsSince = (lab: ClusterLab, marks: Map<string, number>): OpResult[] =>
  lab.nodes.flatMap((n) => opResults(lab.pacemakerLog(n), lab.resource, marks.get(n) ?? 0).filter((r) => r.node === n));

export interface MoveOutcome {
  readonly source: string;
  readonly target: string;
  /** When crm_resource --move (or the standby) was asked, epoch ms. */
  readonly startedAt: number;
  readonly results: OpResult[];
  /** From crm_resource --move to vm1 on the target only and its service answering, ms. */
  readonly totalMs: number;
  readonly outage: { startedAt: number; gapMs: number } | undefined;
  readonly located: string[];
  readonly hostsAfter: string[];
  /** The xl subcommands each simulated host ran during the move (its toolstack's own call log). */
  readonly xlCalls: Readonly<Record<string, string[]>>;
}

const xlCallsSince = (lab: ClusterLab, since: number): Record<string, string[]> =>
  Object.fromEntries(lab.nodes.map((host) => [host, callLog(lab.simRoot, host).filter((c) => c.tool === "xl" && c.startedAt >= since).map((c) => c.argv[0] ?? "")]));

/** A controlled outage of vm1's `source` as an admin asks for it, and how it is taken back once the cluster is idle. */
interface ControlledOutage {
  readonly ask: (source: string) => readonly string[];
  readonly undo: (source: string) => readonly string[];
}

async function controlledMove(lab: ClusterLab, service: Service, target: string, outage: ControlledOutage): Promise<MoveOutcome> {
  const source = lab.vm1Hosts()[0] ?? "(none)";
  const marks = logMarks(lab);
  const t0 = Date.now();
  await must(lab, source, outage.ask(source));
  await until(`vm1 on ${target} only, serving`, () => (onlyVm1On(lab, target)() && service.upSince(t0) ? true : undefined), 180_000, 20);
  const totalMs = Date.now() - t0;
  await settle(lab, source);
  await must(lab, source, outage.undo(source));
  await settle(lab, source);
  return {
    source,
    target,
    startedAt: t0,
    results: resultsSince(lab, marks),
    totalMs,
    outage: outageAfter(service.transitions, t0),
    located: await locate(lab, target),
    hostsAfter: lab.vm1Hosts(),
    xlCalls: xlCallsSince(lab, t0),
  };
}

/** crm_resource --move vm1 to `target`, then --clear once the cluster is idle. */
export const moveVm1 = (lab: ClusterLab, service: Service, target: string): Promise<MoveOutcome> =>
  controlledMove(lab, service, target, { ask: () => ["crm_resource", "--move", "-r", lab.resource, "--node", target], undo: () => ["crm_resource", "--clear", "-r", lab.resource] });

/** crm_attribute addressing a node's standby attribute. */
export const standby = (node: string): string[] => ["crm_attribute", "--type", "nodes", "--node", node, "--name", "standby"];

/** Puts the node running vm1 in standby (a host drained for maintenance) until vm1 runs on `target`, then takes the standby back. */
export const drainVm1Host = (lab: ClusterLab, service: Service, target: string): Promise<MoveOutcome> =>
  controlledMove(lab, service, target, { ask: (source) => [...standby(source), "--update", "on"], undo: (source) => [...standby(source), "--delete"] });

export interface FailoverOutcome {
  readonly victim: string;
  readonly survivor: string;
  /** When the victim was powered off, epoch ms. */
  readonly crashedAt: number;
  /** Power-off to the first answer of vm1's service, ms. */
  readonly downtimeMs: number;
  readonly fence: { at: number; action: string; target: string } | undefined;
  /** Line numbers in the survivor's log: fenced's success for the victim, vm1's start result. */
  readonly fencedLine: number | undefined;
  readonly startResult: OpResult | undefined;
  /** When the survivor's toolstack began creating vm1 (epoch ms). */
  readonly createdAt: number | undefined;
  readonly located: string[];
  readonly hostsAfter: string[];
}

/** Waits until vm1 exists on exactly one host that `accept`s and its service has answered since `t0`. */
async function untilServingAgain(lab: ClusterLab, service: Service, t0: number, what: string, accept: (host: string) => boolean): Promise<{ host: string; at: number }> {
  return until(
    what,
    () => {
      const hosts = lab.vm1Hosts();
      const answer = firstAnswerAfter(service.transitions, t0);
      return hosts.length === 1 && accept(hosts[0] as string) && answer !== undefined ? { host: hosts[0] as string, at: answer } : undefined;
    },
    180_000,
    20,
  );
}

/** Crashes the node running vm1 (`fail`: power loss unless told) and waits until the survivor runs it and its service answers. */
export async function crashVm1Host(lab: ClusterLab, service: Service, fail: (victim: string) => unknown = (victim) => lab.powerOff(victim)): Promise<FailoverOutcome> {
  const victim = lab.vm1Hosts()[0] ?? "(none)";
  const marks = logMarks(lab);
  const t0 = Date.now();
  fail(victim);
  const back = await untilServingAgain(lab, service, t0, "vm1 back on a survivor", (host) => host !== victim);
  const survivor = back.host;
  await settle(lab, survivor);
  const log = lab.pacemakerLog(survivor);
  const create = callLog(lab.simRoot, survivor).find((call) => call.tool === "xl" && call.argv[0] === "create" && call.startedAt >= t0);
  return {
    victim,
    survivor,
    crashedAt: t0,
    downtimeMs: back.at - t0,
    fence: fenceDone(lab.fenceLog()).find((f) => f.target === victim && f.at >= t0),
    fencedLine: fencedLine(log, victim, marks.get(survivor)),
    startResult: resultsSince(lab, marks).find((r) => r.node === survivor && r.op === "start"),
    createdAt: create?.startedAt,
    located: await locate(lab, survivor),
    hostsAfter: lab.vm1Hosts(),
  };
}

export interface GuestCrashOutcome {
  readonly host: string;
  /** When the guest crashed, epoch ms. */
  readonly crashedAt: number;
  readonly results: OpResult[];
  /** From the guest's crash to its service answering again, ms. */
  readonly downtimeMs: number;
  readonly located: string[];
  readonly hostsAfter: string[];
}

/**
 * The guest kernel inside vm1 crashes (on_crash="destroy": xl removes the
 * domain); Pacemaker's recurring monitor is to see it gone and recover it.
 * The crash is the simulator's own call (what `xen-ha sim guest --crash`
 * runs), made here, so that the time counts from the crash itself: the
 * command on the node spends ~0.25 s in nsenter and Node's start first.
 */
export async function crashVm1Guest(lab: ClusterLab, service: Service): Promise<GuestCrashOutcome> {
  const host = lab.vm1Hosts()[0] ?? "(none)";
  const marks = logMarks(lab);
  const t0 = Date.now();
  if (!stopGuest(lab.simRoot, host, "vm1", "crash")) throw new Error(`no domain vm1 on ${host} to crash`);
  const recovered = () => resultsSince(lab, marks).some((r) => r.op === "start" && r.result === "ok");
  const back = await untilServingAgain(lab, service, t0, "vm1 started again and serving", recovered);
  await settle(lab, back.host);
  return { host, crashedAt: t0, results: resultsSince(lab, marks), downtimeMs: back.at - t0, located: await locate(lab, back.host), hostsAfter: lab.vm1Hosts() };
}
