/**
 * End to end: a real corosync + Pacemaker 2-node cluster in network, mount
 * and UTS namespaces (lib/lab, recipe in doc/cluster-lab.md), each node
 * a simulated Xen host, Pacemaker's own execd running the installed
 * ocf:xen-ha:XenDomain (start, a move and a standby drain by live migration,
 * a guest crash recovered, a node crash and its fence), stonith through the lab's fence_lab (powers the
 * node and its simulated host off). The ground truth is the simulator: a
 * domain named vm1 on two hosts at any 20 ms poll fails the test.
 */
import t, { type Test } from "tap";
import { xenDomain } from "../../agents/xen-domain/agent.ts";
import { labUnsupported, startClusterLab } from "../../lib/lab/lab.ts";
import { installInto } from "../support/install-once.ts";
import { crashVm1Guest, crashVm1Host, drainVm1Host, loadVm1, locate, moveVm1, standby, vm1Ops, type MoveOutcome } from "../../lib/lab/scenarios.ts";
import { watchNeverTwice, watchService } from "../../lib/lab/observe.ts";

const VM1_OPS = vm1Ops(xenDomain);

/** Simulated Xen latencies at a tenth: xl create 150 ms, a 256 MiB migration ~0.3 s. */
const TIME_FACTOR = 0.1;

t.test("XenDomain under a real Pacemaker cluster of simulated Xen hosts", { skip: (await labUnsupported()) ?? false }, async (t) => {
  const lab = await startClusterLab({ timeFactor: TIME_FACTOR, install: installInto });
  t.teardown(() => lab.down().then(() => undefined));
  const twice = watchNeverTwice(lab.vm1Hosts);
  t.teardown(twice.stop);
  const neverTwice = (t: Test, step: string) => t.same(twice.twice, [], `never twice: no poll saw vm1 on two hosts (${twice.polls()} polls, through ${step})`);

  await t.test("the cluster is up with stonith through fence_lab on every node", async (t) => {
    const view = await lab.view("node1");
    t.ok(view?.dc, `a DC (${view?.dc})`);
    t.same(view?.online.sort(), lab.nodes, "both nodes online");
    for (const node of lab.nodes) {
      const registered = await lab.run(node, ["stonith_admin", "--list-registered"]);
      t.match(registered.stdout, /^fence-lab$/m, `fence-lab registered on ${node}`);
    }
    const stonith = await lab.run("node1", ["crm_attribute", "--type", "crm_config", "--name", "stonith-enabled", "--query", "--quiet"]);
    t.equal(stonith.stdout.trim(), "true", "stonith enabled");
  });

  const { host, port } = await loadVm1(lab, VM1_OPS);
  const service = watchService(lab.ns.guestsNet, port);
  t.teardown(service.stop);

  await t.test("vm1, loaded with cibadmin, runs on exactly one node and Pacemaker agrees", async (t) => {
    t.same(lab.vm1Hosts(), [host], `the simulator has vm1 on ${host} only`);
    t.same(await locate(lab, "node1"), [host], "crm_resource --locate (asked on node1) agrees");
    t.same(await locate(lab, "node2"), [host], "crm_resource --locate (asked on node2) agrees");
    t.match(lab.pacemakerLog(host), /Result of start operation for vm1 on \S+: ok/, `execd on ${host} ran XenDomain start`);
    neverTwice(t, "start");
  });

  /** A controlled outage is a live migration: migrate_to on the source, migrate_from on the target, no restart. */
  const isLiveMigration = (t: Test, move: MoveOutcome, step: string) => {
    const ops = move.results.map((r) => `${r.op}@${r.node}:${r.result}`);
    t.ok(ops.includes(`migrate_to@${move.source}:ok`), `migrate_to ran on the source (${ops.join(" ")})`);
    t.ok(ops.includes(`migrate_from@${move.target}:ok`), "migrate_from ran on the target");
    t.notOk(move.results.some((r) => r.op === "start"), "no start of vm1 anywhere: it was migrated, not restarted");
    const stop = move.results.find((r) => r.op === "stop");
    if (stop) t.equal(stop.node, move.source, "the only stop is Pacemaker's clean-up of the source after migrate_from");
    const verbs = (node: string) => new Set(move.xlCalls[node]);
    t.ok(verbs(move.source).has("migrate") && verbs(move.target).has("migrate-receive"), "the source's xl migrated vm1 into the target's xl migrate-receive");
    for (const node of lab.nodes) {
      t.notOk(["create", "shutdown", "destroy"].some((verb) => verbs(node).has(verb)), `${node}'s toolstack neither created, shut down nor destroyed a domain (${[...verbs(node)].join(" ")})`);
    }
    t.same(move.hostsAfter, [move.target], "the simulator has vm1 on the target only");
    t.same(move.located, [move.target], "crm_resource --locate agrees");
    t.ok(service.isUp(), "the guest's service answers after the migration");
    t.comment(
      move.outage
        ? `${step}: client-visible gap ${move.outage.gapMs} ms (probe every 20 ms, 250 ms probe timeout); to serving on target ${move.totalMs} ms`
        : `${step}: no failed probe (gap below the probe interval); to serving on target ${move.totalMs} ms`,
    );
    neverTwice(t, step);
  };

  const target = lab.nodes.find((n) => n !== host) as string;
  await t.test(`crm_resource --move live-migrates vm1 from ${host} to ${target}`, async (t) => {
    isLiveMigration(t, await moveVm1(lab, service, target), "migration");
  });

  await t.test(`standby of ${target} (a host drained for maintenance) live-migrates vm1 back to ${host}`, async (t) => {
    isLiveMigration(t, await drainVm1Host(lab, service, host), "drain");
    const after = await lab.run(host, [...standby(target), "--query", "--quiet"]);
    t.not(after.stdout.trim(), "on", `${target} is out of standby again`);
  });

  await t.test("a crash of the guest kernel: the monitor sees vm1 gone and Pacemaker starts it again", async (t) => {
    const crash = await crashVm1Guest(lab, service);
    const ops = crash.results.map((r) => `${r.op}@${r.node}:${r.result}`);
    t.ok(crash.results.some((r) => r.op === "monitor" && r.node === crash.host && r.result === "not running"), `the monitor on ${crash.host} reported 'not running' (${ops.join(" ")})`);
    t.ok(crash.results.some((r) => r.op === "start" && r.result === "ok"), "then a start of vm1 succeeded");
    t.equal(crash.hostsAfter.length, 1, `vm1 runs exactly once (${crash.hostsAfter.join(", ")})`);
    t.same(crash.located, crash.hostsAfter, "crm_resource --locate agrees");
    t.ok(service.isUp(), "the guest's service answers again");
    t.comment(`guest crash: service back ${crash.downtimeMs} ms after the crash (recurring monitor every ${VM1_OPS.monitorInterval} s)`);
    neverTwice(t, "guest crash");
  });

  const victim = lab.vm1Hosts()[0] ?? "(none)";
  await t.test(`a crash of ${victim} (running vm1): the survivor fences it, then starts vm1`, async (t) => {
    const failover = await crashVm1Host(lab, service);
    t.equal(failover.victim, victim, "the crashed node ran vm1");
    t.ok(failover.fence, `fence_lab powered ${failover.victim} off (fence.log: ${failover.fence?.action})`);
    t.ok(failover.fencedLine !== undefined, `${failover.survivor}'s fenced logged the fence as successful`);
    t.ok(failover.startResult?.result === "ok", `${failover.survivor}'s execd started vm1`);
    t.ok((failover.fencedLine ?? Infinity) < (failover.startResult?.line ?? -Infinity), "the fence is logged before vm1's start on the survivor");
    t.ok(failover.fence && failover.createdAt && failover.fence.at <= failover.createdAt, "the survivor's xl create began after fence_lab was done");
    t.same(failover.hostsAfter, [failover.survivor], "vm1 runs exactly once, on the survivor");
    t.same(failover.located, [failover.survivor], "crm_resource --locate agrees");
    t.ok(service.isUp(), "the guest's service answers again");
    t.comment(`cold failover: service down ${failover.downtimeMs} ms from the crash of ${failover.victim} to vm1 answering on ${failover.survivor}`);
    neverTwice(t, "failover");
  });

  await t.test("teardown leaves no lab namespace, mount or process", async (t) => {
    twice.stop();
    neverTwice(t, "the whole test");
    await service.stop();
    t.same(await lab.down(), { namespaces: [], mounts: [], processes: [] });
  });
});
