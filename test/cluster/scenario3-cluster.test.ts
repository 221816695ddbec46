/**
 * The study's scenario 3 in the namespace lab (lib/lab/guest-cluster.ts,
 * doc/cluster-lab.md §6): guest1 and guest2, guest nodes on the dom0s node1
 * and node2, form a cluster of their own with the guest-cluster template's
 * fencing (fence_xen through both dom0s, no other device) and its 300 ms
 * token, serving an HTTP-like daemon. The serving guest's kernel crashes:
 * fence_xen finds its domain gone on both dom0s, that is its fence, and the
 * service answers on the other guest; a client asking both guests every
 * 20 ms never finds it answering on both. Then the guest serving now loses
 * its dom0: the dom0 cluster fences that dom0 and fence_xen, unable to ask it,
 * settles the guest by that cluster's fence history (or by the dom0's own
 * answer once the driver powers it on); again the service moves once, and
 * no guest is fenced by fence_lab. Prints the figures beside the floor
 * (Pacemaker's Dummy, colocated with the service). Time factor 0.1. Needs
 * root and the cluster packages.
 */
import t from "tap";
import { labUnsupported, startClusterLab } from "../../lib/lab/lab.ts";
import { fenceDone } from "../../lib/lab/observe.ts";
import { killServingGuest, loadGuestCluster, reviveGuest, SCENARIO_3_GUESTS, scenario3Lab, watchGuestService } from "../../lib/lab/guest-cluster.ts";
import { installInto } from "../support/install-once.ts";

/**
 * The guests' token here: on a loaded 2-core machine corosync, unable to lock
 * its memory (RLIMIT_MEMLOCK), logs "main process was not scheduled for
 * 260 ms" and a 300 ms token loses members that live; this test is about the
 * fence path, not the token, so it runs the lab's usual 1000 ms, and the
 * benchmark times the template's 300 ms.
 */
const GUEST_TOKEN_MS = 1_000;

t.test("scenario 3: a guest crash, then a dom0's power loss, in a two-guest cluster fenced by fence_xen: the service moves once each time", { skip: (await labUnsupported()) ?? false }, async (t) => {
  const started = Date.now();
  const lab = await startClusterLab({ ...scenario3Lab({ tokenMs: GUEST_TOKEN_MS }), timeFactor: 0.1, install: installInto });
  t.teardown(() => lab.down().then(() => undefined));
  const guests = lab.guests;
  if (!guests) throw new Error("the lab made no guest nodes");
  t.same((await lab.view("guest1"))?.online.sort(), [...SCENARIO_3_GUESTS], "the guests form their own cluster; the dom0s are no members");
  const service = await watchGuestService(lab);
  t.teardown(service.stop);
  const serving = await loadGuestCluster(lab, service);
  t.ok(SCENARIO_3_GUESTS.includes(serving as (typeof SCENARIO_3_GUESTS)[number]), `the service answers on ${serving}`);
  const broughtUp = Date.now();

  const crash = await killServingGuest(lab, service, "guest crash");
  t.equal(crash.victim, serving, `${crash.victim}'s kernel crashed`);
  t.ok(crash.fenceResults.some((r) => /rc=0$/.test(r)), `the survivor fenced ${crash.victim} with fence_xen (${crash.fenceResults.join(", ")})`);
  t.same(fenceDone(lab.fenceLog()).filter((f) => (SCENARIO_3_GUESTS as readonly string[]).includes(f.target)), [], "fence_lab fenced no guest: fence_xen was the only way");
  t.equal(guests.domainHost(crash.victim), undefined, `${crash.victim}'s domain is gone`);
  t.notOk(guests.isUp(crash.victim), `${crash.victim}'s node is down`);
  t.equal(crash.twice, 0, "the client never found the service answering on both guests");
  t.same(service.serving(), [crash.survivor], `the service answers on ${crash.survivor} only`);
  t.comment(
    `guest crash: service back after ${crash.serviceMs} ms (floor, Dummy: ${crash.floorMs} ms; guest node dead after ${crash.guestDeadMs} ms); ` +
      `bring-up ${broughtUp - started} ms, whole test ${Date.now() - started} ms`,
  );

  // then the serving guest's dom0 loses power: fence_xen cannot ask it, and settles it by the dom0 cluster's fence history
  await reviveGuest(lab, crash.victim, crash.survivor);
  const loss = await killServingGuest(lab, service, "dom0 power loss");
  t.ok(loss.fenceResults.some((r) => /rc=0$/.test(r)), `the survivor fenced ${loss.victim} with fence_xen (${loss.fenceResults.join(", ")})`);
  t.ok(loss.hostFenceMs !== undefined, `the dom0 cluster fenced ${loss.victim}'s dom0 (after ${loss.hostFenceMs} ms)`);
  t.same(fenceDone(lab.fenceLog()).filter((f) => (SCENARIO_3_GUESTS as readonly string[]).includes(f.target)), [], "fence_lab fenced no guest");
  t.equal(loss.twice, 0, "the client never found the service answering on both guests");
  t.same(service.serving(), [loss.survivor], `the service answers on ${loss.survivor} only`);
  // the driver powers the dom0 on at once after its fence, so its own answer may settle the fence first
  const byHistory = /does not answer, but the dom0 cluster fenced it after this fence began/.test(lab.pacemakerLog(loss.survivor));
  t.comment(`dom0 power loss: dom0 fenced after ${loss.hostFenceMs} ms, service back after ${loss.serviceMs} ms (floor ${loss.floorMs} ms); settled by ${byHistory ? "the fence history" : "the dom0's answer"}`);
  await service.stop();
  t.same(await lab.down(), { namespaces: [], mounts: [], processes: [] }, "teardown leaves no lab namespace, mount or process");
});
