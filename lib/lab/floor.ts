import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { floorResource } from "./cib.ts";
import { until } from "./host-command.ts";
import type { ClusterLab } from "./lab.ts";
import { fenceDone } from "./observe.ts";
import { labPaths } from "./power.ts";
import { settle } from "./scenarios.ts";

/**
 * The floor under a failover: the same node crash with Pacemaker's own
 * ocf:pacemaker:Dummy, which starts instantly, in place of XenDomain. What
 * is left is the lab's detection (token, consensus), fencing and
 * Pacemaker's transition; the difference to vm1's failover is what our
 * agent and the simulated Xen add.
 *
 * Dummy's state file sits in /var/lib/pacemaker, the node's own directory
 * bound from the lab dir, so the driver sees (every 20 ms, as the prober
 * sees vm1's service) on which node Dummy last started. That directory
 * outlives a power-off as a disk does: the driver removes the crashed node's
 * state file before powering it back on, as a reboot would clear /run.
 */
export const FLOOR = "floor";
const STATE = "/var/lib/pacemaker/xhl-floor.state";

const stateFile = (lab: ClusterLab, node: string): string => join(labPaths(lab.lab).node(node), "lib-pacemaker", "xhl-floor.state");

/** Where Dummy's state file says the floor runs. */
export const floorHosts = (lab: ClusterLab): string[] => lab.nodes.filter((node) => existsSync(stateFile(lab, node)));

/** Loads the floor resource next to vm1 (on another node) and waits until it runs and the cluster is idle. */
export async function loadFloor(lab: ClusterLab): Promise<string> {
  const node = lab.nodes[0] as string;
  const { primitive, apart } = floorResource(FLOOR, STATE, lab.resource);
  for (const [section, xml] of [["resources", primitive], ["constraints", apart]] as const) {
    const result = await lab.run(node, ["cibadmin", "--create", "-o", section, "-X", xml.text]);
    if (result.exitCode !== 0) throw new Error(`loading the floor resource: ${result.stderr}`);
  }
  const host = await until("the floor resource on one node", () => (floorHosts(lab).length === 1 ? floorHosts(lab)[0] : undefined), 60_000, 100);
  await settle(lab, node);
  return host;
}

export interface FloorOutcome {
  readonly victim: string;
  readonly survivor: string;
  /** When the victim was powered off, epoch ms. */
  readonly crashedAt: number;
  /** Power-off to Dummy's start done on a survivor, ms. */
  readonly downtimeMs: number;
  readonly fence: { at: number; action: string; target: string } | undefined;
}

/** Crashes the node running the floor resource (`fail`: power loss unless told) and waits until Dummy has started on a survivor. */
export async function crashFloorHost(lab: ClusterLab, fail: (victim: string) => unknown = (victim) => lab.powerOff(victim)): Promise<FloorOutcome> {
  const victim = floorHosts(lab)[0] ?? "(none)";
  const t0 = Date.now();
  fail(victim);
  const survivor = await until("the floor resource started on a survivor", () => floorHosts(lab).find((n) => n !== victim), 180_000, 20);
  const downtimeMs = Date.now() - t0;
  await settle(lab, survivor);
  // the crashed node's disk keeps the file; its boot must not find Dummy "running"
  rmSync(stateFile(lab, victim), { force: true });
  return { victim, survivor, crashedAt: t0, downtimeMs, fence: fenceDone(lab.fenceLog()).find((f) => f.target === victim && f.at >= t0) };
}
