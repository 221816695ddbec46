import { xenDomain } from "../../agents/xen-domain/agent.ts";
import { FAULTS, awaitRecovery, inject, resetLab, trialOps, type Fault, type FaultChoices, type Injected, type TrialOutcome } from "../../lib/lab/faults.ts";
import { startClusterLab, type ClusterLab } from "../../lib/lab/lab.ts";
import { watchNeverTwice, watchService } from "../../lib/lab/observe.ts";
import { loadVm1, vm1Ops } from "../../lib/lab/scenarios.ts";
import { DEFAULT_TIMING } from "../../lib/sim/index.ts";
import { formatTable } from "../bench/table.ts";
import { installInto } from "./install-once.ts";
import { seededRandom } from "./seeded-random.ts";

/**
 * Randomized fault trials on one 3-node lab (lib/lab/faults.ts): trial K of
 * seed S draws its fault and its choices from its own generator, seeded from
 * S and K, so `--seed S --only K` replays it without the trials before it.
 * Between trials the lab is reset rather than rebuilt.
 */
export interface TrialPlan {
  readonly index: number;
  readonly fault: Fault;
  readonly choices: FaultChoices;
}

export function planTrial(seed: number, index: number): TrialPlan {
  const random = seededRandom((seed ^ Math.imul(index, 0x9e3779b1)) >>> 0);
  const fault = FAULTS[Math.floor(random() * FAULTS.length)] as Fault;
  return { index, fault, choices: { target: random(), delay: random(), failures: random() } };
}

export interface TrialResult extends TrialPlan, TrialOutcome {
  readonly what: string;
  /** Polls (every 20 ms, every node's simulated host) during the trial, and those that saw vm1 on two hosts. */
  readonly polls: number;
  readonly twice: { at: number; hosts: string[] }[];
  /** The whole trial, reset included, ms. */
  readonly trialMs: number;
}

export const failed = (r: TrialResult): boolean => r.twice.length > 0 || !r.restored || r.problem !== undefined;

export interface TrialOptions {
  readonly seed: number;
  readonly indices: readonly number[];
  /** The simulator's time factor (0.2: xl create 0.3 s, boot 0.2 s, a 1 GiB migration 2 s). */
  readonly timeFactor: number;
  readonly memoryMiB: number;
  readonly onDown?: Parameters<typeof startClusterLab>[0]["onDown"];
  readonly log?: (line: string) => void;
}

/** Brings up the lab, runs the trials, tears it down; a reset that fails ends the run (the rest are not run). */
export async function runTrials(options: TrialOptions): Promise<{ results: TrialResult[]; labUpMs: number; unrun: number[]; leftovers: string | undefined }> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const lab = await startClusterLab({ nodes: ["node1", "node2", "node3"], timeFactor: options.timeFactor, memoryMiB: options.memoryMiB, install: installInto, onDown: options.onDown });
  const results: TrialResult[] = [];
  let unrun: number[] = [];
  try {
    const { port } = await loadVm1(lab, trialOps(vm1Ops(xenDomain)));
    const labUpMs = Date.now() - started;
    log(`lab up and vm1 serving in ${labUpMs} ms`);
    const service = watchService(lab.ns.guestsNet, port);
    const twice = watchNeverTwice(lab.vm1Hosts);
    const migrationMs = Math.round((DEFAULT_TIMING.migrateSetupMs + (DEFAULT_TIMING.migrateMsPerGiB * options.memoryMiB) / 1024) * options.timeFactor);
    try {
      for (const [n, index] of options.indices.entries()) {
        const plan = planTrial(options.seed, index);
        const result = await oneTrial(lab, plan, service, twice, migrationMs);
        results.push(result);
        log(`trial ${index} (${n + 1}/${options.indices.length}) ${plan.fault}: ${failed(result) ? "FAILED" : "ok"} in ${result.trialMs} ms: ${result.what}${result.problem ? `; ${result.problem}` : ""}`);
        if (result.problem?.startsWith("reset failed")) {
          unrun = options.indices.slice(n + 1);
          break;
        }
      }
    } finally {
      twice.stop();
      await service.stop();
    }
    const left = await lab.down();
    const leftovers = left.namespaces.length + left.mounts.length + left.processes.length > 0 ? JSON.stringify(left) : undefined;
    return { results, labUpMs, unrun, leftovers };
  } catch (error) {
    await lab.down();
    throw error;
  }
}

async function oneTrial(lab: ClusterLab, plan: TrialPlan, service: ReturnType<typeof watchService>, twice: ReturnType<typeof watchNeverTwice>, migrationMs: number): Promise<TrialResult> {
  const started = Date.now();
  const polls = twice.polls();
  let injected: Injected;
  let outcome: TrialOutcome;
  try {
    injected = await inject(lab, plan.fault, plan.choices, migrationMs);
    outcome = await awaitRecovery(lab, service, plan.fault, injected);
  } catch (error) {
    // the fault could not be set up (vm1 not where it was expected, no migration seen): a failed trial
    injected = { at: started, out: [], what: `${plan.fault} not injected` };
    outcome = { restored: false, restoreMs: undefined, hostAfter: undefined, fenced: [], fenceMs: undefined, failedFences: 0, problem: `injection failed: ${(error as Error).message.split("\n")[0]}` };
  }
  let problem = outcome.problem;
  try {
    await resetLab(lab);
  } catch (error) {
    problem = `reset failed: ${(error as Error).message.split("\n")[0]}${problem ? `; ${problem}` : ""}`;
  }
  return {
    ...plan,
    what: injected.what,
    polls: twice.polls() - polls,
    twice: twice.twice.filter((t) => t.at >= started),
    ...outcome,
    problem,
    trialMs: Date.now() - started,
  };
}

const seconds = (ms: number | undefined): string => (ms === undefined ? "-" : (ms / 1000).toFixed(2));

/** The one table: per trial the fault, the double runs seen, whether and when the service came back, and what happened. */
export function trialTable(results: readonly TrialResult[]): string {
  return formatTable(
    ["#", "fault", "twice/polls", "restored", "restore s", "fence s", "fenced", "vm1 after", "trial s", "what happened"],
    results.map((r) => [
      r.index,
      r.fault,
      `${r.twice.length}/${r.polls}`,
      r.restored ? "yes" : "NO",
      seconds(r.restoreMs),
      seconds(r.fenceMs),
      r.fenced.join(" ") + (r.failedFences > 0 ? ` (${r.failedFences} failed first)` : "") || "-",
      r.hostAfter ?? "-",
      seconds(r.trialMs),
      r.what + (r.problem ? `; ${r.problem}` : ""),
    ]),
  );
}
