/**
 * Benchmark: XenDomain under a real Pacemaker cluster (lib/lab:
 * corosync + Pacemaker in namespaces, 2 nodes or --nodes N, token 1000 ms,
 * each node a simulated Xen host at real-Xen latencies, stonith through the
 * lab's fence_lab). Per run it times
 *   (a) a live migration driven by `crm_resource --move`: the gap a client
 *       of the guest's service sees, and the time from the command until
 *       the domain runs on the target only and answers;
 *   (b) a cold failover after the node running the domain crashes (its
 *       processes and its simulated host die at once): crash to fence done,
 *       and crash to the service answering again on the survivor;
 * then powers the crashed node back on for the next run. Prints a table and
 * the study's figures beside the medians. Asserts nothing. Needs root.
 *
 *   npm run bench:cluster [-- --runs N] [--time-factor F] [--memory MiB] [--nodes N]
 */
import { parseArgs } from "node:util";
import { labUnsupported, startClusterLab } from "../../lib/lab/lab.ts";
import { installInto } from "../support/install-once.ts";
import { watchService } from "../../lib/lab/observe.ts";
import { crashVm1Host, loadVm1, moveVm1, settle, vm1Ops } from "../../lib/lab/scenarios.ts";
import { xenDomain } from "../../agents/xen-domain/agent.ts";
import { median } from "./measure.ts";
import { formatTable } from "./table.ts";

const { values: options } = parseArgs({ options: { runs: { type: "string" }, "time-factor": { type: "string" }, memory: { type: "string" }, nodes: { type: "string" } } });
const positive = (text: string | undefined, fallback: number): number => (Number(text) > 0 ? Number(text) : fallback);
const RUNS = positive(options.runs, 3);
const TIME_FACTOR = positive(options["time-factor"], 1);
const MEMORY_MIB = positive(options.memory, 512);
const NODES = Array.from({ length: Math.max(2, positive(options.nodes, 2)) }, (_, i) => `node${i + 1}`);

/** The study's figures for a Xen HA cluster (from the project's brief). */
const STUDY = { migrationDowntime: "1-2 s", coldFailoverDowntime: "6-8 s" };

interface Run {
  readonly migrationGapMs: number | undefined;
  readonly migrationTotalMs: number;
  readonly fenceDoneMs: number | undefined;
  readonly failoverDowntimeMs: number;
  readonly path: string;
}

const unsupported = await labUnsupported();
if (unsupported) {
  console.error(`cluster-bench: ${unsupported}`);
  process.exit(1);
}

const started = Date.now();
const lab = await startClusterLab({ nodes: NODES, timeFactor: TIME_FACTOR, memoryMiB: MEMORY_MIB, install: installInto });
const runs: Run[] = [];
try {
  console.log(`lab up in ${Date.now() - started} ms (${NODES.length} nodes, corosync token 1000 ms, simulator time factor ${TIME_FACTOR}, vm1 ${MEMORY_MIB} MiB)`);
  const { port } = await loadVm1(lab, vm1Ops(xenDomain));
  const service = watchService(lab.ns.guestsNet, port);
  try {
    for (let run = 1; run <= RUNS; run++) {
      const migrate = () => moveVm1(lab, service, lab.nodes.find((n) => n !== lab.vm1Hosts()[0]) as string);
      // odd runs migrate first, even runs crash first: the crashed node alternates
      const early = run % 2 === 1 ? await migrate() : undefined;
      const dc = (await lab.view(lab.nodes[0] as string))?.dc;
      const crashedAt = Date.now();
      const failover = await crashVm1Host(lab, service);
      await lab.powerOn(failover.victim);
      await lab.untilOnline(failover.survivor, lab.nodes);
      await settle(lab, failover.survivor);
      const move = early ?? (await migrate());
      runs.push({
        migrationGapMs: move.outage?.gapMs,
        migrationTotalMs: move.totalMs,
        fenceDoneMs: failover.fence ? failover.fence.at - crashedAt : undefined,
        failoverDowntimeMs: failover.downtimeMs,
        path: `${early ? "move" : "crash"} first: move ${move.source}->${move.target}, crash ${failover.victim}${failover.victim === dc ? " (the DC)" : ""}->${failover.survivor}`,
      });
      console.log(`run ${run}/${RUNS} done`);
    }
  } finally {
    await service.stop();
  }
} finally {
  const left = await lab.down();
  if (left.namespaces.length + left.mounts.length + left.processes.length > 0) console.error(`cluster-bench: left behind ${JSON.stringify(left)}`);
}

const ms = (value: number | undefined): string => (value === undefined ? "-" : `${value} ms`);
console.log("");
console.log(
  formatTable(
    ["run", "migration gap", "move -> serving on target", "crash -> fence done", "crash -> service back", "path"],
    runs.map((r, i) => [i + 1, r.migrationGapMs === undefined ? "< probe" : ms(r.migrationGapMs), ms(r.migrationTotalMs), ms(r.fenceDoneMs), ms(r.failoverDowntimeMs), r.path]),
  ),
);
const gaps = runs.flatMap((r) => (r.migrationGapMs === undefined ? [] : [r.migrationGapMs]));
console.log("");
console.log(`live migration (crm_resource --move): client-visible gap median ${gaps.length ? `${median(gaps)} ms` : "below the 20 ms probe interval"}, whole move median ${median(runs.map((r) => r.migrationTotalMs))} ms; the study: ${STUDY.migrationDowntime} downtime`);
console.log(`cold failover (node crash, fence, restart on the survivor): service down median ${median(runs.map((r) => r.failoverDowntimeMs))} ms; the study: ${STUDY.coldFailoverDowntime} downtime between hosts`);
console.log("Probes: a TCP connect to the guest's port every 20 ms with a 250 ms timeout, from the lab's guest network; gaps are accurate to about one probe.");
