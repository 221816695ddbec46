/**
 * A lab guest node lives exactly as long as its simulated domain
 * (lib/lab/guest-node.ts, doc/cluster-lab.md §5). guest1 is a one-node
 * cluster on dom0s node1 and node2, which run no cluster daemons; what the
 * test does to the domain goes through the dom0's own xl or the lab's power,
 * never through the supervisor:
 *   - it boots only once the guest OS has (not before xl create's build and
 *     the guest's boot time), and Pacemaker comes up there;
 *   - `xl destroy` on its dom0 and its dom0's power loss each kill every
 *     process of it at once, its nested Xen host with them; it boots again
 *     when its domain runs again (here on the other dom0);
 *   - lab.powerOn refuses a guest node (it has no power of its own).
 * Time factor 0.1. Needs root and the cluster packages.
 */
import t from "tap";
import { labUnsupported, startClusterLab } from "../../lib/lab/lab.ts";
import { until } from "../../lib/lab/host-command.ts";
import { callLog, DEFAULT_GUEST_TIMING, DEFAULT_TIMING } from "../../lib/sim/index.ts";
import { installInto } from "../support/install-once.ts";

const TIME_FACTOR = 0.1;
const GUEST = "guest1";

t.test("a guest node's life is its domain's", { skip: (await labUnsupported()) ?? false }, async (t) => {
  const lab = await startClusterLab({ nodes: ["node1", "node2"], guests: [{ name: GUEST, dom0: "node1", memoryMiB: 256 }], clusters: [[GUEST]], timeFactor: TIME_FACTOR, install: installInto });
  t.teardown(() => lab.down().then(() => undefined));
  const guests = lab.guests;
  if (!guests) throw new Error("the lab made no guest nodes");
  const xl = async (dom0: string, ...args: string[]) => {
    const result = await lab.run(dom0, ["xl", ...args]);
    t.equal(result.exitCode, 0, `xl ${args.join(" ")} on ${dom0}`, { stderr: result.stderr });
  };
  const events = () => guests.events.map((e) => `${e.what}@${e.dom0}`);
  const deathSince = (since: number) => guests.events.find((e) => e.what === "death" && e.at >= since);

  // boot: not before the create's build and the guest's boot time
  const create = callLog(lab.simRoot, "node1").find((c) => c.tool === "xl" && c.argv[0] === "create");
  const boot = guests.events.find((e) => e.what === "boot");
  const buildAndBoot = Math.round((DEFAULT_TIMING.createPvMs + DEFAULT_GUEST_TIMING.bootMs) * TIME_FACTOR);
  t.ok(create && boot && boot.at - create.startedAt >= buildAndBoot, `booted ${boot && create ? boot.at - create.startedAt : "?"} ms after xl create began (build + boot: ${buildAndBoot} ms)`);
  t.same((await lab.view(GUEST))?.online, [GUEST], "Pacemaker runs on guest1 and sees itself online");
  t.same(lab.nodes, ["node1", "node2", GUEST], "the lab's machines: two dom0s, then the guest");
  t.notOk(lab.isPoweredOn("node1") || lab.isPoweredOn("node2"), "the dom0s run no cluster daemons");

  // xl destroy on its dom0
  let since = Date.now();
  await xl("node1", "destroy", GUEST);
  t.match(deathSince(since)?.why ?? "", /on node1 (dying|gone)/, "xl destroy: the node died");
  t.notOk(lab.isPoweredOn(GUEST), "nothing of guest1 runs");
  t.same(lab.vm1Hosts(), [], "its nested Xen host is down with it");

  // created on the other dom0: boots there
  await xl("node2", "create", guests.config(GUEST));
  await guests.untilUp(GUEST);
  await lab.untilOnline(GUEST, [GUEST]);
  t.equal(guests.events.at(-1)?.dom0, "node2", "booted again, on node2");

  // its dom0 loses power
  since = Date.now();
  lab.powerOff("node2");
  await until("guest1 dead with its dom0", () => deathSince(since), 10_000, 20);
  t.notOk(lab.isPoweredOn(GUEST), "dom0 power loss: nothing of guest1 runs");
  t.equal(guests.domainHost(GUEST), undefined, "and its domain is gone");
  await lab.powerOn("node2");
  t.notOk(lab.isPoweredOn("node2"), "node2 powered on runs no cluster daemons (no member)");
  await t.rejects(lab.powerOn(GUEST), /guest node/, "powerOn refuses a guest node");
  await xl("node2", "create", guests.config(GUEST));
  await guests.untilUp(GUEST);
  t.same(events(), ["boot@node1", "death@node1", "boot@node2", "death@node2", "boot@node2"], "one boot per domain run, one death per end");
  t.same(await lab.down(), { namespaces: [], mounts: [], processes: [] }, "teardown leaves no lab namespace, mount or process");
});
