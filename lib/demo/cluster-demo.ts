import { dirname, join } from "node:path";
import { writeFileSync } from "node:fs";
import type { InstallDirs } from "../install/plan.ts";
import type { InstallReport } from "../install/install.ts";
import { until } from "../lab/host-command.ts";
import { startClusterLab, type ClusterLab, type Leftovers } from "../lab/lab.ts";
import { corosyncLogged, watchNeverTwice, watchService } from "../lab/observe.ts";
import { crashVm1Host, moveVm1, settle, type FailoverOutcome, type MoveOutcome } from "../lab/scenarios.ts";
import { callLog, guestServicePort, listDomains } from "../sim/index.ts";
import type { Progress } from "./progress.ts";
import { renderTimeline, type Timeline } from "./timeline.ts";

/**
 * `npm run demo` on a machine that can run the cluster lab (lib/lab): three
 * corosync + Pacemaker nodes in namespaces, each a simulated Xen host at
 * real Xen latencies; a domain from the live-migration template loaded with
 * the installed `xen-ha cib load`; a live migration by crm_resource --move
 * while a client asks the guest's service; a power loss of the host running
 * it, its fence and the restart elsewhere; then the timelines beside the
 * study's figures. Every promise the story makes is checked as it is told,
 * and a broken one makes the result not ok.
 */
export interface ClusterDemoOptions {
  readonly nodes: readonly string[];
  readonly timeFactor: number;
  readonly memoryMiB: number;
  readonly install: (dirs: InstallDirs) => Promise<InstallReport>;
  readonly out: (text: string) => void;
  readonly progress: Progress;
  /** Receives the lab's teardown as soon as there is one (the CLI's signal handlers call it). */
  readonly onDown: (down: () => Promise<Leftovers>) => void;
}

/** The study's downtimes for a Xen HA cluster: a cold failover between hosts, a failover between VMs. */
export const STUDY = {
  betweenHosts: { label: "study: between hosts", fromS: 6, toS: 8 },
  betweenVms: { label: "study: between VMs", fromS: 1, toS: 2 },
} as const;

const DOMAIN = "vm1";
const RESOURCE = `vm-${DOMAIN}`;
const TEMPLATE = "live-migration";
/** Cluster waits are generous: a loaded machine slows every daemon down, and a wait that ends early is a false failure. */
const WAIT_MS = 240_000;

export async function runClusterDemo(options: ClusterDemoOptions): Promise<boolean> {
  const { out, progress } = options;
  const problems: string[] = [];
  const check = (ok: boolean, broken: string): void => {
    if (!ok) {
      problems.push(broken);
      out(`  <- UNEXPECTED: ${broken}\n`);
    }
  };
  const started = Date.now();
  let lab: ClusterLab | undefined;
  let stopWatching = async (): Promise<void> => {};
  try {
    lab = await progress.step(`bringing up a ${options.nodes.length}-node corosync + Pacemaker cluster in network namespaces`, () =>
      startClusterLab({
        nodes: options.nodes,
        timeFactor: options.timeFactor,
        memoryMiB: options.memoryMiB,
        resource: RESOURCE,
        onDown: options.onDown,
        install: async (dirs) => {
          const report = await options.install(dirs);
          const broken = report.checks.filter((c) => !c.ok);
          if (broken.length > 0) throw new Error(`xen-ha install: ${broken.map((c) => `${c.path}: ${c.problem}`).join("; ")}`);
          return report;
        },
      }),
    );
    const view = await lab.view(options.nodes[0] as string);
    out(
      `  ${view?.online.sort().join(", ")} online, DC ${view?.dc}; each node a simulated Xen host ` +
        `(real Xen latencies${options.timeFactor === 1 ? "" : ` x${options.timeFactor}`}); stonith through fence_lab, which powers a node off\n\n`,
    );
    const home = await loadFromTemplate(lab, options, out);
    const port = guestServicePort(lab.simRoot, home, DOMAIN);
    if (port === undefined) throw new Error(`${DOMAIN} has no service port`);
    const service = watchService(lab.ns.guestsNet, port);
    const twice = watchNeverTwice(lab.vm1Hosts);
    stopWatching = async () => {
      twice.stop();
      await service.stop();
    };
    await until(`${DOMAIN}'s service answering`, () => (service.isUp() ? true : undefined), 30_000, 50);
    out(`  ${await crmMonLine(lab)}\n  a client in the guest network asks ${DOMAIN}'s service every 20 ms: it answers\n\n`);

    const target = lab.nodes[(lab.nodes.indexOf(home) + 1) % lab.nodes.length] as string;
    const move = await progress.step(`live migration: crm_resource --move -r ${RESOURCE} --node ${target}`, (note) => {
      const timer = setInterval(() => note(precopyNote(lab as ClusterLab, target)), 200);
      return moveVm1(lab as ClusterLab, service, target).finally(() => clearInterval(timer));
    });
    reportMove(move, out);
    for (const problem of moveProblems(move)) check(false, problem);
    out(`  ${await crmMonLine(lab)}\n\n`);

    const victim = lab.vm1Hosts()[0] ?? "(none)";
    const dc = (await lab.view(lab.nodes.find((n) => n !== victim) as string))?.dc;
    const crashedAt = Date.now();
    const failover = await progress.step(`${victim}${victim === dc ? " (the DC)" : ""} loses power: its processes and its simulated Xen host die at once`, (note) => {
      const timer = setInterval(() => note(failoverNote(lab as ClusterLab, victim, crashedAt)), 200);
      return crashVm1Host(lab as ClusterLab, service).finally(() => clearInterval(timer));
    });
    const detectedAt = crashDetected(lab, failover, crashedAt);
    reportFailover(failover, crashedAt, detectedAt, out);
    for (const problem of failoverProblems(failover)) check(false, problem);
    out(`  ${await crmMonLine(lab)}\n\n`);

    twice.stop();
    check(twice.twice.length === 0, `${DOMAIN} ran on two hosts at once at ${twice.twice.length} poll(s): ${JSON.stringify(twice.twice.slice(0, 3))}`);
    out(`never twice: ${twice.polls()} polls of every simulated host (every 20 ms), ${twice.twice.length} saw ${DOMAIN} on two hosts\n\n`);
    out(renderTimeline(migrationTimeline(move, xlMigrate(lab, move))));
    out("\n");
    out(renderTimeline(failoverTimeline(failover, crashedAt, detectedAt)));
    out("\n");
    await stopWatching();
    const left = await lab.down();
    const leftCount = left.namespaces.length + left.mounts.length + left.processes.length;
    check(leftCount === 0, `the lab left ${JSON.stringify(left)}`);
    out(`lab removed: ${leftCount === 0 ? "no namespace, mount or process left" : JSON.stringify(left)}\n`);
    out(`\n${summary(move, failover, crashedAt, problems, Date.now() - started)}\n`);
    return problems.length === 0;
  } finally {
    await stopWatching();
    await lab?.down();
  }
}

/** Renders the template's resources on node1 with the installed xen-ha, keeps its XenDomain primitive, loads it with `xen-ha cib load`. */
async function loadFromTemplate(lab: ClusterLab, options: ClusterDemoOptions, out: (text: string) => void): Promise<string> {
  const node = lab.nodes[0] as string;
  await settle(lab, node);
  const values = {
    nodes: lab.nodes.join(","),
    domains: DOMAIN,
    config_path: join(dirname(lab.config), "{name}.cfg"),
    // the template's IPMI fencing is not rendered into the lab, which has fence_lab
    ipmi_addresses: lab.nodes.map((_, i) => `192.0.2.${i + 1}`).join(","),
  };
  const render = ["xen-ha", "cib", "render", TEMPLATE, "--section", "resources", ...Object.entries(values).flatMap(([k, v]) => ["--set", `${k}=${v}`])];
  const rendered = await lab.run(node, render, 120_000);
  if (rendered.exitCode !== 0) throw new Error(`${render.join(" ")}: exit ${rendered.exitCode}\n${rendered.stderr}`);
  const primitive = /<primitive [^>]*type="XenDomain"[^>]*>[\s\S]*?<\/primitive>/.exec(rendered.stdout)?.[0];
  if (!primitive) throw new Error(`the ${TEMPLATE} template rendered no XenDomain primitive`);
  const file = join(lab.lab, `${DOMAIN}-resources.xml`);
  writeFileSync(file, `<resources>\n  ${primitive}\n</resources>\n`);
  out(`on ${node}: ${render.join(" ")}\n  kept its XenDomain primitive ${RESOURCE} (the lab has its own fencing and shared storage) -> ${file}\n`);
  const load = await lab.run(node, ["xen-ha", "cib", "load", file], 180_000);
  if (load.exitCode !== 0) throw new Error(`xen-ha cib load: exit ${load.exitCode}\n${load.stdout}${load.stderr}`);
  const applied = load.stdout.split("\n").find((line) => /applied/.test(line)) ?? load.stdout.trim().split("\n").at(-1);
  out(`on ${node}: xen-ha cib load ${file}\n  ${applied?.trim()}\n`);
  const host = await until(`${DOMAIN} started on one host`, () => (lab.vm1Hosts().length === 1 ? lab.vm1Hosts()[0] : undefined), WAIT_MS, 100);
  await settle(lab, node);
  return host;
}

/** The crm_mon -1 line of the domain's resource, as an admin reads it. */
async function crmMonLine(lab: ClusterLab): Promise<string> {
  const node = lab.nodes.find((n) => lab.vm1Hosts()[0] !== n) ?? (lab.nodes[0] as string);
  const mon = await lab.run(node, ["crm_mon", "-1"]);
  const line = mon.stdout.split("\n").find((l) => l.includes(RESOURCE));
  return `crm_mon -1 (on ${node}): ${line?.replace(/\s+/g, " ").replace(/^ ?\* /, "").trim() ?? "(no line for the resource)"}`;
}

function precopyNote(lab: ClusterLab, target: string): string {
  const incoming = listDomains(lab.simRoot, target).find((d) => d.name === `${DOMAIN}--incoming`);
  if (incoming) return `pre-copy: ${DOMAIN}--incoming on ${target} holds ${incoming.memoryMiB} MiB of ${DOMAIN}'s memory`;
  const hosts = lab.vm1Hosts();
  return hosts.length === 0 ? `${DOMAIN} between hosts` : `${DOMAIN} on ${hosts.join(", ")}`;
}

function failoverNote(lab: ClusterLab, victim: string, since: number): string {
  const survivors = lab.nodes.filter((n) => n !== victim);
  if (lab.vm1Hosts().length === 1) return `${DOMAIN} runs on ${lab.vm1Hosts()[0]}, waiting for its service`;
  if (lab.fenceLog().includes(`${victim}: done`)) return `${victim} fenced, waiting for ${DOMAIN} to start on a survivor`;
  const detected = survivors.some((n) => corosyncLogged(lab.corosyncLog(n), /A processor failed|Members left/, since) !== undefined);
  return detected ? `the survivors lost ${victim}, fencing it` : `waiting for the survivors to notice (corosync token 1000 ms)`;
}

/** When the first survivor's corosync declared the token lost (or the member gone). */
function crashDetected(lab: ClusterLab, failover: FailoverOutcome, since: number): { at: number; node: string } | undefined {
  const seen = lab.nodes
    .filter((n) => n !== failover.victim)
    .flatMap((node) => {
      const at = corosyncLogged(lab.corosyncLog(node), /A processor failed|Members left/, since);
      return at === undefined ? [] : [{ at, node }];
    });
  return seen.sort((a, b) => a.at - b.at)[0];
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

const opsOf = (move: MoveOutcome): string[] => move.results.map((r) => `${r.op} on ${r.node}: ${r.result}`);

/** What went wrong in a move that should have been a live migration; empty when nothing did. */
export function moveProblems(move: MoveOutcome): string[] {
  const ops = opsOf(move);
  return [
    ...(ops.includes(`migrate_to on ${move.source}: ok`) && ops.includes(`migrate_from on ${move.target}: ok`) ? [] : ["migrate_to and migrate_from did not both succeed"]),
    ...(move.results.some((r) => r.op === "start") ? [`${DOMAIN} was restarted, not migrated`] : []),
    ...(move.hostsAfter.length === 1 && move.hostsAfter[0] === move.target ? [] : [`${DOMAIN} is not on ${move.target} only (${move.hostsAfter.join(", ")})`]),
  ];
}

/** What went wrong in a failover: no fence, a domain created before the fence was done, a failed start, a domain not on the survivor alone. */
export function failoverProblems(failover: FailoverOutcome): string[] {
  const { fence, createdAt, survivor, victim } = failover;
  return [
    ...(fence ? [] : [`${victim} was not fenced`]),
    ...(fence && createdAt !== undefined && fence.at <= createdAt ? [] : [`${DOMAIN} was created on ${survivor} before ${victim} was fenced (or either was not seen)`]),
    ...(failover.startResult?.result === "ok" ? [] : [`${DOMAIN}'s start on ${survivor} was not ok`]),
    ...(failover.hostsAfter.length === 1 && failover.hostsAfter[0] === survivor ? [] : [`${DOMAIN} is not on ${survivor} only (${failover.hostsAfter.join(", ")})`]),
  ];
}

function reportMove(move: MoveOutcome, out: (text: string) => void): void {
  out(`  Pacemaker ran ${opsOf(move).join(", ")}\n`);
  out(
    move.outage
      ? `  client-visible gap: ${secs(move.outage.gapMs)} (first failed probe to the next answer)\n`
      : "  client-visible gap: none: no probe failed (the gap was below the 20 ms probe interval)\n",
  );
  out(`  from the command to ${DOMAIN} running on ${move.target} only and answering: ${secs(move.totalMs)}\n`);
}

function reportFailover(
  failover: FailoverOutcome,
  crashedAt: number,
  detected: { at: number; node: string } | undefined,
  out: (text: string) => void,
): void {
  const row = (what: string, at: number | undefined, how: string): void =>
    out(`  ${what.padEnd(18)} ${at === undefined ? "never seen" : `+${secs(at - crashedAt)}`}  (${how})\n`);
  row("crash detected", detected?.at, `corosync on ${detected?.node ?? "?"}: the token was lost`);
  row("host fenced", failover.fence?.at, `fence_lab ${failover.fence?.action ?? "?"} ${failover.victim} done, asked by the cluster`);
  row(`${DOMAIN} started`, failover.createdAt, `xl create on ${failover.survivor}; Pacemaker's start: ${failover.startResult?.result ?? "not seen"}`);
  row("service answers", crashedAt + failover.downtimeMs, "the client's first answer since the crash");
}

/** The source's `xl migrate` during the move, from its toolstack's call log: when it began and ended, epoch ms. */
export function xlMigrate(lab: ClusterLab, move: MoveOutcome): { startedAt: number; endedAt: number | undefined } | undefined {
  const call = callLog(lab.simRoot, move.source).find((c) => c.tool === "xl" && c.argv[0] === "migrate" && c.startedAt >= move.startedAt);
  return call && { startedAt: call.startedAt, endedAt: call.durationMs === undefined ? undefined : call.startedAt + call.durationMs };
}

export function migrationTimeline(move: MoveOutcome, xl: { startedAt: number; endedAt: number | undefined } | undefined): Timeline {
  const outageFrom = move.outage ? move.outage.startedAt - move.startedAt : 0;
  const rel = (label: string, at: number | undefined) => (at === undefined ? [] : [{ label, atMs: at - move.startedAt }]);
  return {
    title: `live migration of ${DOMAIN}, ${move.source} -> ${move.target} (s after crm_resource --move)`,
    events: [
      { label: "crm_resource --move", atMs: 0 },
      ...rel(`xl migrate on ${move.source} begins`, xl?.startedAt),
      ...rel(`xl migrate done`, xl?.endedAt),
      { label: `${DOMAIN} on ${move.target} only, answering`, atMs: move.totalMs },
    ],
    outage: move.outage ? { fromMs: outageFrom, toMs: outageFrom + move.outage.gapMs } : undefined,
    study: [STUDY.betweenVms],
  };
}

export function failoverTimeline(failover: FailoverOutcome, crashedAt: number, detected: { at: number; node: string } | undefined): Timeline {
  const rel = (at: number | undefined) => (at === undefined ? [] : [at - crashedAt]);
  return {
    title: `power loss of ${failover.victim}, ${DOMAIN} restarted on ${failover.survivor} (s after the crash)`,
    events: [
      { label: `${failover.victim} loses power`, atMs: 0 },
      ...rel(detected?.at).map((atMs) => ({ label: `crash detected (${detected?.node})`, atMs })),
      ...rel(failover.fence?.at).map((atMs) => ({ label: `${failover.victim} fenced`, atMs })),
      ...rel(failover.createdAt).map((atMs) => ({ label: `xl create ${DOMAIN} on ${failover.survivor}`, atMs })),
      { label: "service answers again", atMs: failover.downtimeMs },
    ],
    outage: { fromMs: 0, toMs: failover.downtimeMs },
    study: [STUDY.betweenHosts],
  };
}

function summary(move: MoveOutcome, failover: FailoverOutcome, crashedAt: number, problems: readonly string[], totalMs: number): string {
  const gap = move.outage ? secs(move.outage.gapMs) : "no failed probe";
  const fenced = failover.fence ? `fenced at +${secs(failover.fence.at - crashedAt)}` : "NOT fenced";
  const verdict = problems.length === 0 ? "every step behaved as expected" : `${problems.length} step(s) misbehaved: ${problems.join("; ")}`;
  return (
    `demo: live migration ${move.source} -> ${move.target}: client gap ${gap} (study ${STUDY.betweenVms.fromS}-${STUDY.betweenVms.toS} s); ` +
    `power loss of ${failover.victim}: ${fenced}, service back on ${failover.survivor} after ${secs(failover.downtimeMs)} ` +
    `(study ${STUDY.betweenHosts.fromS}-${STUDY.betweenHosts.toS} s); ${verdict} (${(totalMs / 1000).toFixed(0)} s)`
  );
}
