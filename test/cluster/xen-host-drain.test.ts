/**
 * Must-show (b) of the XenHost work (doc/xen-host.md §7): in a real
 * corosync + Pacemaker 2-node lab of simulated Xen hosts, the installed
 * ocf:xen-ha:XenHost runs as a clone (allow-unhealthy-nodes) under
 * node-health-strategy=migrate-on-red. The HA data pool of the node running
 * vm1 hangs (its probe file becomes a FIFO nobody writes: dd's open blocks,
 * as on a hard NFS mount whose server is gone); XenHost's next monitor kills
 * the probe and publishes #health-xen=red, and Pacemaker drains vm1 by
 * migrate_to/migrate_from while the host still runs. The client's gap must
 * fit in the stop-and-copy pause the ground truth shows (no host running vm1,
 * polled every 5 ms) plus the prober's own resolution; vm1 is never on two
 * hosts at a 20 ms poll. Needs root and the cluster packages (skipped
 * otherwise); run under `flock /tmp/xenha-lab.lock`.
 */
import t from "tap";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { xenDomain } from "../../agents/xen-domain/agent.ts";
import { probeFileName } from "../../agents/xen-host/checks/data-pool.ts";
import { nvpairs } from "../../lib/lab/cib.ts";
import { until } from "../../lib/lab/host-command.ts";
import { labUnsupported, startClusterLab, type ClusterLab } from "../../lib/lab/lab.ts";
import { lineCount, opResults, outageAfter, watchNeverTwice, watchService } from "../../lib/lab/observe.ts";
import { labPaths } from "../../lib/lab/power.ts";
import { loadVm1, locate, settle, vm1Ops } from "../../lib/lab/scenarios.ts";
import { callLog, listDomains } from "../../lib/sim/index.ts";
import { xml } from "../../lib/xml/xml.ts";
import { installInto } from "../support/install-once.ts";

const TIME_FACTOR = 0.1;
/** The prober's resolution: a probe every 20 ms, each up to 250 ms (lib/lab/prober.ts). */
const PROBE_RESOLUTION_MS = 20 + 250;
const HEALTH = "#health-xen";

/** The XenHost clone: every check with its defaults but xenstored (the simulated dom0 has no processes); the data pool is what fails. */
function xenHostClone(pool: string): string {
  const params = {
    data_pool_paths: pool,
    data_pool_timeout: "1",
    toolstack_timeout: "5",
    // this machine runs other labs and tests at once: a slow simulated `xl info` must not make the setup yellow
    toolstack_latency_yellow: "300000",
    check_daemons: "false",
    recover_after: "2",
    min_dwell: "0",
  };
  return xml`<clone id="health-xen-clone"><meta_attributes id="health-xen-clone-meta">${nvpairs("health-xen-clone-meta", { "allow-unhealthy-nodes": "true", interleave: "true" })}</meta_attributes><primitive id="health-xen" class="ocf" provider="xen-ha" type="XenHost"><instance_attributes id="health-xen-params">${nvpairs("health-xen-params", params)}</instance_attributes><operations><op id="health-xen-monitor" name="monitor" interval="2s" timeout="20s"/></operations></primitive></clone>`.text;
}

/**
 * dom0's memory and load as XenHost reads them, in each node's kernel view
 * (XEN_HA_SYSROOT): the simulator's holds only the files that say Xen runs,
 * and unreadable dom0 figures are yellow (doc/xen-host.md §4).
 */
function writeDom0Figures(lab: ClusterLab): void {
  for (const node of lab.nodes) {
    const proc = join(labPaths(lab.lab).sysroot(node), "proc");
    mkdirSync(proc, { recursive: true });
    writeFileSync(join(proc, "meminfo"), "MemTotal:        4000000 kB\nMemFree:          100000 kB\nMemAvailable:    2000000 kB\n");
    writeFileSync(join(proc, "loadavg"), "0.30 0.20 0.10 1/180 4242\n");
    writeFileSync(join(proc, "stat"), "cpu  200 0 200 2000 0 0 0 0 0 0\ncpu0 100 0 100 1000 0 0 0 0 0 0\ncpu1 100 0 100 1000 0 0 0 0 0 0\nintr 0\n");
  }
}

/** XenHost's last exit reasons in the CIB's operation history (why a node is not green). */
async function reasons(lab: ClusterLab, node: string): Promise<string> {
  const ops = await lab.run(node, ["cibadmin", "--query", "--xpath", "//lrm_resource[@id='health-xen']/lrm_rsc_op"]);
  return [...ops.stdout.matchAll(/on_node="([^"]*)"[^>]*exit-reason="([^"]*)"|exit-reason="([^"]*)"[^>]*on_node="([^"]*)"/g)].map((m) => `${m[1] ?? m[4]}: ${m[2] ?? m[3]}`).join("; ");
}

async function health(lab: ClusterLab, node: string): Promise<string> {
  const query = await lab.run(node, ["crm_attribute", "--node", node, "--name", HEALTH, "--lifetime", "reboot", "--query", "--quiet"]);
  return query.stdout.trim();
}

/** vm1 runs (not paused, not suspended or shut down) under any of its names on some host: the ground truth of "serving". */
function vm1Running(lab: ClusterLab): boolean {
  return lab.nodes.some((host) =>
    listDomains(lab.simRoot, host).some(
      (d) => (d.name ?? "").replace(/--(incoming|migratedaway)$/, "") === "vm1" && (d.state[0] === "r" || d.state[1] === "b") && d.state[2] !== "p" && d.state[3] !== "s",
    ),
  );
}

/** The longest stretch with vm1 running nowhere, polled every 5 ms while it runs. */
function watchPause(lab: ClusterLab) {
  let longest = 0;
  let since: number | undefined;
  const timer = setInterval(() => {
    const now = Date.now();
    if (vm1Running(lab)) {
      if (since !== undefined) longest = Math.max(longest, now - since);
      since = undefined;
    } else since ??= now;
  }, 5);
  return { longestMs: () => longest, stop: () => clearInterval(timer) };
}

t.test("a host whose data pool hangs turns red and is drained by live migration", { skip: (await labUnsupported()) ?? false }, async (t) => {
  const lab = await startClusterLab({ timeFactor: TIME_FACTOR, install: installInto });
  t.teardown(() => lab.down().then(() => undefined));
  const twice = watchNeverTwice(lab.vm1Hosts);
  t.teardown(twice.stop);
  const pool = join(lab.lab, "pool");
  mkdirSync(pool, { mode: 0o755 });

  const { host, port } = await loadVm1(lab, vm1Ops(xenDomain));
  const target = lab.nodes.find((n) => n !== host) as string;
  const service = watchService(lab.ns.guestsNet, port);
  t.teardown(service.stop);

  await t.test("XenHost runs on every node, green, under migrate-on-red", async (t) => {
    const node = lab.nodes[0] as string;
    writeDom0Figures(lab);
    const created = await lab.run(node, ["cibadmin", "--create", "-o", "resources", "-X", xenHostClone(pool)]);
    t.equal(created.exitCode, 0, "XenHost clone loaded", { stderr: created.stderr });
    const strategy = await lab.run(node, ["crm_attribute", "--type", "crm_config", "--name", "node-health-strategy", "--update", "migrate-on-red"]);
    t.equal(strategy.exitCode, 0, "node-health-strategy=migrate-on-red");
    for (const n of lab.nodes) {
      const seen = await until(`${HEALTH} published on ${n}`, async () => (["green", "yellow"].includes(await health(lab, n)) ? health(lab, n) : undefined), 90_000, 250);
      t.equal(seen, "green", `${n}: ${HEALTH}=green`, { reasons: seen === "green" ? "" : await reasons(lab, n) });
    }
    await settle(lab, node);
    t.same(lab.vm1Hosts(), [host], `vm1 still on ${host} only`);
  });

  await t.test(`the data pool of ${host} hangs: red, and vm1 live-migrates to ${target}`, async (t) => {
    const marks = new Map(lab.nodes.map((n) => [n, lineCount(lab.pacemakerLog(n))]));
    const pause = watchPause(lab);
    t.teardown(pause.stop);
    const fifo = join(pool, probeFileName(host));
    const t0 = Date.now();
    execFileSync("mkfifo", ["--", fifo]);
    t.teardown(() => rmSync(fifo, { force: true }));
    const redAt = await until(`${HEALTH}=red on ${host}`, async () => ((await health(lab, host)) === "red" ? Date.now() : undefined), 60_000, 100);
    await until(`vm1 on ${target} only, serving`, () => (lab.vm1Hosts().join() === target && service.upSince(t0) ? true : undefined), 180_000, 20);
    const servingMs = Date.now() - t0;
    await settle(lab, target);
    pause.stop();

    const results = lab.nodes.flatMap((n) => opResults(lab.pacemakerLog(n), lab.resource, marks.get(n) ?? 0).filter((r) => r.node === n));
    const ops = results.map((r) => `${r.op}@${r.node}:${r.result}`);
    t.ok(ops.includes(`migrate_to@${host}:ok`), `migrate_to ran on ${host} (${ops.join(" ")})`);
    t.ok(ops.includes(`migrate_from@${target}:ok`), `migrate_from ran on ${target}`);
    t.notOk(results.some((r) => r.op === "start"), "no start of vm1 anywhere: migrated, not restarted");
    const xl = callLog(lab.simRoot, host).filter((c) => c.tool === "xl" && c.startedAt >= t0).map((c) => c.argv[0]);
    t.ok(xl.includes("migrate"), `${host}'s xl migrated vm1`);
    for (const n of lab.nodes) {
      const verbs = callLog(lab.simRoot, n).filter((c) => c.tool === "xl" && c.startedAt >= t0).map((c) => c.argv[0] ?? "");
      t.notOk(["create", "shutdown", "destroy"].some((v) => verbs.includes(v)), `${n}'s toolstack neither created, shut down nor destroyed a domain`);
    }
    t.same(await locate(lab, target), [target], "crm_resource --locate agrees");
    t.equal(await health(lab, host), "red", `${host} is still red (XenHost keeps running there)`);
    t.same(twice.twice, [], `never twice: no 20 ms poll saw vm1 on two hosts (${twice.polls()} polls)`);

    const outage = outageAfter(service.transitions, t0);
    const pauseMs = pause.longestMs();
    t.ok(pauseMs > 0, `the ground truth saw the stop-and-copy pause: ${pauseMs} ms with vm1 running nowhere`);
    const gapMs = outage?.gapMs ?? 0;
    t.ok(gapMs <= pauseMs + PROBE_RESOLUTION_MS, `client gap ${gapMs} ms within the pause ${pauseMs} ms + the prober's ${PROBE_RESOLUTION_MS} ms resolution`);
    t.comment(
      `drain of a red host: red published ${redAt - t0} ms after the pool hung; vm1 serving on ${target} ${servingMs} ms after; ` +
        `client gap ${outage ? `${gapMs} ms` : "none seen (below the probe interval)"}; stop-and-copy pause (vm1 running nowhere, 5 ms poll) ${pauseMs} ms`,
    );
  });

  await t.test(`the pool answers again: ${host} turns green after recover_after monitors, and vm1 stays on ${target} (nothing draws it back: no preference for ${host})`, async (t) => {
    rmSync(join(pool, probeFileName(host)), { force: true });
    const seen = await until(`${HEALTH} no longer red on ${host}`, async () => ((await health(lab, host)) === "red" ? undefined : health(lab, host)), 60_000, 250);
    t.equal(seen, "green", `${host}: ${HEALTH}=green again`, { reasons: seen === "green" ? "" : await reasons(lab, host) });
    await settle(lab, target);
    t.same(lab.vm1Hosts(), [target], `vm1 still on ${target} only`);
    t.same(twice.twice, [], "never twice through the whole test");
  });

  await t.test("teardown leaves no lab namespace, mount or process", async (t) => {
    twice.stop();
    await service.stop();
    t.same(await lab.down(), { namespaces: [], mounts: [], processes: [] });
  });
});
