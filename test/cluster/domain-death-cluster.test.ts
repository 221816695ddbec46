/**
 * End to end, issue 11 must-show (a): in the namespace cluster (lib/lab,
 * doc/cluster-lab.md) with ocf:xen-ha:XenHost cloned, its domain-death
 * watcher (doc/xen-host.md §8) reports a guest crash (on_crash=destroy) to
 * Pacemaker with crm_resource --fail, so recovery starts without waiting for
 * XenDomain's recurring monitor, here every 60 s. Prints the crash-to-service
 * figure beside create + boot; the speed goal is a figure, not an assertion.
 */
import t from "tap";
import { xenDomain } from "../../agents/xen-domain/agent.ts";
import { nvpairs } from "../../lib/lab/cib.ts";
import { sleep, until } from "../../lib/lab/host-command.ts";
import { labUnsupported, startClusterLab, type ClusterLab } from "../../lib/lab/lab.ts";
import { corosyncLogged, watchNeverTwice, watchService } from "../../lib/lab/observe.ts";
import { crashVm1Guest, loadVm1, settle, vm1Ops } from "../../lib/lab/scenarios.ts";
import { callLog, DEFAULT_GUEST_TIMING, DEFAULT_TIMING } from "../../lib/sim/index.ts";
import { readHost } from "../../lib/sim/host/store.ts";
import { xml } from "../../lib/xml/xml.ts";
import { installInto } from "../support/install-once.ts";

const TIME_FACTOR = 0.1;
const MONITOR_INTERVAL_S = 60;

/** XenHost as a clone; its colour plays no part here (no node-health-strategy), only its watcher. */
function xenHostClone(): string {
  const params = { check_daemons: "false", toolstack_latency_yellow: "300000", dom0_memory_yellow: "0", dom0_memory_red: "0", load_yellow: "100000", load_red: "100000" };
  return xml`<clone id="health-xen-clone"><meta_attributes id="health-xen-clone-meta">${nvpairs("health-xen-clone-meta", { "allow-unhealthy-nodes": "true", interleave: "true" })}</meta_attributes><primitive id="health-xen" class="ocf" provider="xen-ha" type="XenHost"><instance_attributes id="health-xen-params">${nvpairs("health-xen-params", params)}</instance_attributes><operations><op id="health-xen-monitor" name="monitor" interval="10s" timeout="20s"/></operations></primitive></clone>`.text;
}

/** The watcher's own lines in the node's log: ISO time, then its tag. */
function watcherLogged(log: string, pattern: RegExp, since: number): number | undefined {
  for (const line of log.split("\n")) {
    const match = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z) XenHost-watcher\[/.exec(line);
    const at = match && pattern.test(line) ? Date.parse(match[1] as string) : Number.NaN;
    if (at >= since) return at;
  }
  return undefined;
}

/**
 * Where the time from the crash to the service went (doc/xen-host.md §9):
 * each step's moment from the logs of the nodes (the watcher's, Pacemaker's
 * controller and executor, either node being the DC) and the simulator's
 * call log (xl create), as ms after the crash.
 */
function breakdown(lab: ClusterLab, host: string, crashedAt: number, backAt: number): string {
  const first = (pattern: RegExp): number | undefined =>
    lab.nodes.map((n) => corosyncLogged(lab.pacemakerLog(n), pattern, crashedAt)).reduce<number | undefined>((a, b) => (a === undefined ? b : b === undefined ? a : Math.min(a, b)), undefined);
  const create = callLog(lab.simRoot, host).find((c) => c.tool === "xl" && c.argv[0] === "create" && c.startedAt >= crashedAt)?.startedAt;
  const destroyed = readHost(lab.simRoot, host).freedDomids.find((freed) => freed.at >= crashedAt)?.at;
  const steps: [string, number | undefined][] = [
    ["xl's daemon has destroyed it (simulator)", destroyed],
    ["watcher reports (crm_resource --fail runs)", watcherLogged(lab.pacemakerLog(host), /reporting vm1 failed/, crashedAt)],
    ["controller records the failure", first(/Failing resource vm1/)],
    ["DC initiates the stop", first(/Initiating stop operation vm1_stop_0/)],
    ["stop done (domain already gone)", first(/Result of stop operation for vm1 on/)],
    ["DC initiates the start", first(/Initiating start operation vm1_start_0/)],
    ["XenDomain runs xl create", create],
    ["start done", first(/Result of start operation for vm1 on/)],
    ["service answers", backAt],
  ];
  let before = crashedAt;
  const found = steps.filter((step): step is [string, number] => step[1] !== undefined).sort((a, b) => a[1] - b[1]);
  const lines = found.map(([what, at]) => {
    const line = `  +${String(at - crashedAt).padStart(5)} ms  (${String(at - before).padStart(4)} ms)  ${what}`;
    before = at;
    return line;
  });
  return [...lines, ...steps.filter(([, at]) => at === undefined).map(([what]) => `  ${what}: not found`)].join("\n");
}

t.test("a guest crash is reported by XenHost's watcher, not found by a 60 s monitor", { skip: (await labUnsupported()) ?? false }, async (t) => {
  const lab = await startClusterLab({ timeFactor: TIME_FACTOR, install: installInto });
  t.teardown(() => lab.down().then(() => undefined));
  const twice = watchNeverTwice(lab.vm1Hosts);
  t.teardown(twice.stop);
  const { port } = await loadVm1(lab, { ...vm1Ops(xenDomain), monitorInterval: MONITOR_INTERVAL_S });
  const service = watchService(lab.ns.guestsNet, port);
  t.teardown(service.stop);
  const node = lab.nodes[0] as string;
  const created = await lab.run(node, ["cibadmin", "--create", "-o", "resources", "-X", xenHostClone()]);
  t.equal(created.exitCode, 0, "XenHost clone loaded", { stderr: created.stderr });
  await until(
    "XenHost started on every node",
    async () => {
      const located = await lab.run(node, ["crm_resource", "--locate", "-r", "health-xen-clone"]);
      return lab.nodes.every((n) => located.stdout.includes(`is running on: ${n}`)) ? true : undefined;
    },
    120_000,
    500,
  );
  await settle(lab, node);
  await sleep(5_000); // the watchers' first look (their baseline)

  const crash = await crashVm1Guest(lab, service);
  // the watchers' verdicts, from the node's private /run (a fixed command: no value reaches the shell)
  const watcherLog = lab.run(crash.host, ["sh", "-c", "cat /run/resource-agents/XenHost-*.watcher.log"]);
  const ops = crash.results.map((r) => `${r.op}@${r.node}:${r.result}`);
  const start = crash.results.findIndex((r) => r.op === "start" && r.result === "ok");
  t.ok(start >= 0, `vm1 started again (${ops.join(" ")})`);
  t.notOk(
    crash.results.slice(0, start).some((r) => r.op === "monitor" && r.result === "not running"),
    "no recurring monitor had to find it gone first",
  );
  t.comment(`watcher log on ${crash.host}:\n${(await watcherLog).stdout}`);
  t.equal(crash.hostsAfter.length, 1, `vm1 runs exactly once (${crash.hostsAfter.join(", ")})`);
  const createBootMs = (DEFAULT_TIMING.createPvMs + DEFAULT_GUEST_TIMING.bootMs) * TIME_FACTOR;
  t.comment(
    `guest crash with XenHost's watcher, monitor every ${MONITOR_INTERVAL_S} s: service back ${crash.downtimeMs} ms after the crash ` +
      `(create + boot ${createBootMs} ms at time factor ${TIME_FACTOR}; goal create + boot + 500 = ${createBootMs + 500} ms; ` +
      `without the watcher, monitor every 10 s: ~13 s in the issue)`,
  );
  t.comment(`from the crash (ms after it, and after the step before):\n${breakdown(lab, crash.host, crash.crashedAt, crash.crashedAt + crash.downtimeMs)}`);
  t.same(twice.twice, [], `never twice (${twice.polls()} polls)`);
  twice.stop();
  await service.stop();
  t.same(await lab.down(), { namespaces: [], mounts: [], processes: [] }, "teardown leaves no lab namespace, mount or process");
});
