/**
 * bench:cluster's scenario 2 (lib/lab/scenario-2.ts, doc/cluster-lab.md §5):
 * on a fresh lab per token, node1 (physical) and guest1 (a guest node on
 * dom0 node2) serve vm1 (XenDomain) and the floor (ocf:pacemaker:Dummy);
 * each round kills vm1's member and then the floor's, each member once per
 * resource (a guest crash, a power loss), reviving it in between. Returns
 * one row per failover; cluster-bench.ts prints them.
 */
import { startClusterLab, type Leftovers } from "../../lib/lab/lab.ts";
import { startOrderedAt, watchNeverTwice, watchService } from "../../lib/lab/observe.ts";
import { FLOOR, loadFloor } from "../../lib/lab/floor.ts";
import { scenario2Round, SCENARIO_2_LAB, type Death } from "../../lib/lab/scenario-2.ts";
import { loadVm1, vm1Ops } from "../../lib/lab/scenarios.ts";
import { xenDomain } from "../../agents/xen-domain/agent.ts";
import { installInto } from "../support/install-once.ts";

export interface Scenario2Row {
  readonly round: number;
  readonly resource: "vm1" | "floor";
  readonly death: Death;
  readonly victim: string;
  readonly survivor: string;
  /** Death to fence_lab done, and to the service answering (vm1) or Dummy started (floor), ms. */
  readonly fenceMs: number | undefined;
  readonly downtimeMs: number;
  /** Death to the DC's order to start the resource on the survivor, ms. */
  readonly orderMs: number | undefined;
}

export interface Scenario2Bench {
  readonly rows: Scenario2Row[];
  /** Polls of every simulated host that saw vm1 on two at once (0 expected), of how many. */
  readonly twice: number;
  readonly polls: number;
}

export async function benchScenario2(options: {
  readonly tokenMs: number;
  readonly rounds: number;
  readonly timeFactor: number;
  readonly memoryMiB: number;
  readonly onDown: (down: () => Promise<Leftovers>) => void;
  readonly log: (line: string) => void;
}): Promise<Scenario2Bench> {
  const started = Date.now();
  const lab = await startClusterLab({ ...SCENARIO_2_LAB, timeFactor: options.timeFactor, memoryMiB: options.memoryMiB, tokenMs: options.tokenMs, install: installInto, onDown: options.onDown });
  const rows: Scenario2Row[] = [];
  const twice = watchNeverTwice(lab.vm1Hosts);
  try {
    const { port } = await loadVm1(lab, vm1Ops(xenDomain));
    await loadFloor(lab);
    options.log(`scenario 2, token ${options.tokenMs} ms: lab up (node1 + guest1 on node2), vm1 and the floor running in ${Date.now() - started} ms`);
    const service = watchService(lab.ns.guestsNet, port);
    try {
      for (let round = 1; round <= options.rounds; round++) {
        for (const failover of await scenario2Round(lab, service)) {
          const { victim, survivor, crashedAt, downtimeMs, fence } = failover.outcome;
          const ordered = startOrderedAt(lab.nodes.map((n) => lab.pacemakerLog(n)), failover.resource === "vm1" ? lab.resource : FLOOR, crashedAt);
          const orderMs = ordered === undefined ? undefined : ordered - crashedAt;
          rows.push({ round, resource: failover.resource, death: failover.death, victim, survivor, fenceMs: fence ? fence.at - crashedAt : undefined, orderMs, downtimeMs });
        }
        options.log(`scenario 2, token ${options.tokenMs} ms: round ${round}/${options.rounds} done`);
      }
    } finally {
      await service.stop();
    }
  } finally {
    twice.stop();
    const left = await lab.down();
    if (left.namespaces.length + left.mounts.length + left.processes.length > 0) console.error(`cluster-bench: scenario 2 left behind ${JSON.stringify(left)}`);
  }
  return { rows, twice: twice.twice.length, polls: twice.polls() };
}
