import { crashFloorHost, floorHosts, type FloorOutcome } from "./floor.ts";
import { until } from "./host-command.ts";
import type { ClusterLab, ClusterLabOptions } from "./lab.ts";
import type { watchService } from "./observe.ts";
import { crashVm1Host, settle, type FailoverOutcome } from "./scenarios.ts";

/**
 * Scenario 2 of the study (doc/cluster-lab.md §5): cluster communication
 * between a physical host and a virtual machine. A two-node cluster of
 * node1 (a physical node, a dom0) and guest1 (a guest node whose domain
 * runs on node2, a dom0 outside the cluster) serves vm1's service, as the
 * study's Apache; the member serving it dies the way that member can: the
 * guest's domain crashes (its kernel, on_crash = destroy), the physical node
 * loses power. The survivor fences it (fence_lab: for the guest, its domain
 * destroyed on its dom0) and starts the service. The floor is the same
 * with Pacemaker's ocf:pacemaker:Dummy (floor.ts).
 *
 * One round fails each member once under vm1 and once under the floor, so
 * that every figure has both kinds of death: see `scenario2Round`.
 */
export const SCENARIO_2_GUEST = "guest1";
/** guest1's dom0, no member of the cluster. */
export const SCENARIO_2_DOM0 = "node2";
export const SCENARIO_2_MEMBERS = ["node1", SCENARIO_2_GUEST] as const;

/** The lab's layout: node2 is guest1's dom0 and no cluster member. */
export const SCENARIO_2_LAB: Pick<ClusterLabOptions, "nodes" | "guests" | "clusters"> = {
  nodes: ["node1", SCENARIO_2_DOM0],
  guests: [{ name: SCENARIO_2_GUEST, dom0: SCENARIO_2_DOM0 }],
  clusters: [[...SCENARIO_2_MEMBERS]],
};

export type Death = "guest crash" | "power loss";

const isGuest = (lab: ClusterLab, member: string): boolean => lab.guests?.names.includes(member) === true;

export const deathOf = (lab: ClusterLab, member: string): Death => (isGuest(lab, member) ? "guest crash" : "power loss");

/** The member dies: a guest's kernel crashes (the simulator's own crash of its domain), a physical node loses power. */
export function kill(lab: ClusterLab, member: string): void {
  if (isGuest(lab, member)) lab.guests?.crash(member);
  else lab.powerOff(member);
}

/**
 * The dead member back: a guest's domain created again on its dom0 once the
 * crashed one is gone (as an admin or the host cluster would), a physical
 * node powered on; then both members online and the cluster idle.
 */
export async function revive(lab: ClusterLab, member: string, survivor: string): Promise<void> {
  const guests = lab.guests;
  if (guests && isGuest(lab, member)) {
    await until(`${member}'s crashed domain gone`, () => (guests.domainHost(member) === undefined ? true : undefined), 30_000, 50);
    await guests.create(member, SCENARIO_2_DOM0);
    await guests.untilUp(member);
  } else {
    await lab.powerOn(member);
  }
  await lab.untilOnline(survivor, SCENARIO_2_MEMBERS);
  await settle(lab, survivor);
}

export interface Scenario2Failover {
  readonly resource: "vm1" | "floor";
  readonly death: Death;
  readonly outcome: FailoverOutcome | FloorOutcome;
}

type Service = ReturnType<typeof watchService>;

/**
 * One round from vm1 on A and the floor on B: vm1's member A dies (A's
 * kind), the floor's member, now A again (the floor keeps away from vm1),
 * dies, then vm1's member B, then the floor's, B. Each dead member is
 * revived before the next. Ends as it began.
 */
export async function scenario2Round(lab: ClusterLab, service: Service): Promise<Scenario2Failover[]> {
  const failovers: Scenario2Failover[] = [];
  for (let i = 0; i < 2; i++) {
    const vm1 = await crashVm1Host(lab, service, (victim) => kill(lab, victim));
    failovers.push({ resource: "vm1", death: deathOf(lab, vm1.victim), outcome: vm1 });
    await revive(lab, vm1.victim, vm1.survivor);
    await until("the floor away from vm1", () => (floorHosts(lab).length === 1 && !lab.vm1Hosts().includes(floorHosts(lab)[0] as string) ? true : undefined), 60_000, 50);
    const floor = await crashFloorHost(lab, (victim) => kill(lab, victim));
    failovers.push({ resource: "floor", death: deathOf(lab, floor.victim), outcome: floor });
    await revive(lab, floor.victim, floor.survivor);
  }
  return failovers;
}
