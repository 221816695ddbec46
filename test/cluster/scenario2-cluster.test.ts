/**
 * The study's scenario 2 in the namespace lab (lib/lab/scenario-2.ts,
 * doc/cluster-lab.md §5): a cluster of node1 (physical) and guest1 (a guest
 * node living in a simulated domain on node2, a dom0 outside the cluster)
 * serves vm1. The member serving it dies the way it can: the guest's domain
 * crashes, the physical node loses power. Each time the survivor fences it,
 * vm1's service answers again, on one host, and no 20 ms poll of every
 * simulated host (node2 and guest1's nested host included) sees vm1 twice.
 * Time factor 0.1; the order is fixed (vm1 where Pacemaker first put it,
 * then the other member). Needs root and the cluster packages.
 */
import t from "tap";
import { xenDomain } from "../../agents/xen-domain/agent.ts";
import { labUnsupported, startClusterLab } from "../../lib/lab/lab.ts";
import { watchNeverTwice, watchService } from "../../lib/lab/observe.ts";
import { deathOf, kill, revive, SCENARIO_2_GUEST, SCENARIO_2_LAB } from "../../lib/lab/scenario-2.ts";
import { crashVm1Host, loadVm1, vm1Ops } from "../../lib/lab/scenarios.ts";
import { installInto } from "../support/install-once.ts";

t.test("scenario 2: a physical node and a guest node serve vm1; each dies in turn", { skip: (await labUnsupported()) ?? false }, async (t) => {
  const lab = await startClusterLab({ ...SCENARIO_2_LAB, timeFactor: 0.1, install: installInto });
  t.teardown(() => lab.down().then(() => undefined));
  const guests = lab.guests;
  if (!guests) throw new Error("the lab made no guest nodes");
  t.equal(guests.domainHost(SCENARIO_2_GUEST), "node2", "guest1's domain runs on node2");
  t.ok(guests.isUp(SCENARIO_2_GUEST) && lab.isPoweredOn(SCENARIO_2_GUEST), "guest1's daemons run");
  t.same((await lab.view("node1"))?.online.sort(), ["guest1", "node1"], "node1 sees guest1 and itself online; node2 is no member");

  const twice = watchNeverTwice(lab.vm1Hosts);
  t.teardown(twice.stop);
  const { port } = await loadVm1(lab, vm1Ops(xenDomain));
  const service = watchService(lab.ns.guestsNet, port);
  t.teardown(service.stop);

  const deaths: string[] = [];
  for (let round = 1; round <= 2; round++) {
    const failover = await crashVm1Host(lab, service, (victim) => kill(lab, victim));
    const death = deathOf(lab, failover.victim);
    deaths.push(death);
    t.not(failover.survivor, failover.victim, `${death} of ${failover.victim}: vm1 back on ${failover.survivor}, serving ${failover.downtimeMs} ms after`);
    t.ok(failover.fence !== undefined && failover.createdAt !== undefined && failover.fence.at <= failover.createdAt, `${failover.victim} was fenced before vm1 was created again`);
    t.same(failover.hostsAfter, [failover.survivor], "vm1 runs on one host");
    t.notOk(lab.isPoweredOn(failover.victim), `nothing of ${failover.victim} runs`);
    if (death === "guest crash") {
      const died = guests.events.find((e) => e.guest === SCENARIO_2_GUEST && e.what === "death" && e.at >= failover.crashedAt);
      t.ok(died, `guest1's node died with its domain (${died?.why})`);
      t.equal(guests.domainHost(SCENARIO_2_GUEST), undefined, "guest1's domain is gone (destroyed on crash, or by the fence)");
    }
    await revive(lab, failover.victim, failover.survivor);
  }
  t.same(deaths.sort(), ["guest crash", "power loss"], "one death of each kind");
  t.ok(guests.isUp(SCENARIO_2_GUEST), "guest1 booted again when its domain was created again");
  t.same(twice.twice, [], `never twice (${twice.polls()} polls)`);
  twice.stop();
  await service.stop();
  t.same(await lab.down(), { namespaces: [], mounts: [], processes: [] }, "teardown leaves no lab namespace, mount or process");
});
