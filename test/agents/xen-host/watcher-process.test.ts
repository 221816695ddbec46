import t, { type Test } from "tap";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { leavingUntil, recordPath, seenRunning, updateRecord } from "../../../agents/xen-domain/record.ts";
import { createLogger } from "../../../lib/ocf/logger.ts";
import { acquireLease, noteFence } from "../../../lib/lease/lease.ts";
import { realLeaseFs } from "../../../lib/lease/lease-fs.ts";
import { setGuestBehaviour, setHostKnobs, stopGuest, writeSampleConfig } from "../../../lib/sim/index.ts";
import { TEST_TIME_FACTOR } from "../../support/sim-resource.ts";
import { run, untilState, xl } from "../../lib/sim/support.ts";
import { xenHostStage, type XenHostStage } from "../../support/xen-host-stage.ts";

/**
 * XenHost's watcher as a process on a simulated dom0: start launches it,
 * a crash makes it run `crm_resource --fail` (a fake on PATH that writes
 * down its argv), a reboot or a stop of ours does not, monitor restarts a
 * dead watcher, stop ends it and its xenstore-watch.
 */
const LAUNCHER = fileURLToPath(new URL("../../../bin/XenHost.ts", import.meta.url));
const overrides = { watcherLauncher: LAUNCHER };
const log = createLogger("test", {}, () => {});

function scene(t: Test) {
  const s = xenHostStage();
  t.teardown(async () => {
    await s.run("stop", env, overrides);
    s.dispose();
  });
  const fakeBin = join(s.root, "fake-bin");
  mkdirSync(fakeBin);
  const calls = join(s.root, "crm_resource.calls");
  // a test fixture, not product code: the fake writes its arguments, one call per line
  writeFileSync(join(fakeBin, "crm_resource"), `#!/bin/sh\necho "$*" >> '${calls}'\n`);
  chmodSync(join(fakeBin, "crm_resource"), 0o755);
  const env = { ...s.env, PATH: `${fakeBin}:${s.env["PATH"]}`, XEN_HA_SYSROOT: s.sim.env["XEN_HA_SYSROOT"] };
  const rsctmp = s.env["HA_RSCTMP"] as string;
  const pidFile = join(rsctmp, "XenHost-xen-host.watcher");
  const reports = (): string[] => (existsSync(calls) ? readFileSync(calls, "utf8").split("\n").filter(Boolean) : []);
  const watcherPid = (): number => Number(readFileSync(pidFile, "utf8"));
  const watcherLog = (): string => readFileSync(join(rsctmp, "XenHost-xen-host.watcher.log"), "utf8");
  /** The watcher's first look is its baseline: a death before it is the monitor's to find. */
  const watching = (): Promise<boolean> => until(() => /INFO: watching: \d+ domains listed/.test(watcherLog()), 15_000);
  return { s, env, rsctmp, reports, watcherPid, pidFile, watching, watcherLog };
}

async function runningResource(s: XenHostStage, rsctmp: string, name: string, extraLines: string[] = []): Promise<number> {
  const cfg = writeSampleConfig({ root: s.root, name, extraLines });
  if ((await xl(s.sim, "create", "-q", cfg)).code !== 0) throw new Error("create failed");
  await untilState(s.sim, name, "-b----");
  const domid = Number((await run(s.sim, "xl", ["domid", name])).stdout.trim());
  updateRecord(recordPath(rsctmp, name), seenRunning({ domid, name }), log);
  return domid;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

/** What the watcher's xenstore-watch is: the child whose parent is the watcher. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

t.test("a crash is reported with crm_resource --fail; stop ends the watcher and its child", async (t) => {
  const { s, env, rsctmp, reports, watcherPid, pidFile, watching } = scene(t);
  await runningResource(s, rsctmp, "vm1");
  t.equal((await s.run("start", env, overrides)).code, 0, "start");
  const pid = watcherPid();
  t.ok(alive(pid), "the watcher runs");
  t.ok(await until(() => childrenOf(pid).length > 0, 10_000), "with its xenstore-watch child");
  const children = childrenOf(pid);
  t.ok(await watching(), "baseline taken");
  stopGuest(s.sim.root, s.sim.host, "vm1", "crash");
  t.ok(await until(() => reports().length > 0, 15_000), "reported");
  t.same(reports(), ["--fail --resource vm1 --node node1"]);
  t.equal((await s.run("stop", env, overrides)).code, 0, "stop");
  t.notOk(alive(pid), "the watcher is gone");
  t.ok(await until(() => children.every((c) => !alive(c)), 3_000), "and its xenstore-watch");
  t.notOk(existsSync(pidFile), "no pid file left");
});

t.test("a reboot (on_reboot=restart) and a stop of ours are not reported", async (t) => {
  const { s, env, rsctmp, reports, watching, watcherLog } = scene(t);
  await runningResource(s, rsctmp, "vm1");
  await runningResource(s, rsctmp, "vm2");
  t.equal((await s.run("start", env, overrides)).code, 0, "start");
  t.ok(await watching(), "baseline taken");
  setGuestBehaviour(s.sim.root, s.sim.host, "vm1", { bootMs: 1_000 });
  // xl's 2 s gap as long in real time as on real Xen, so that the watcher looks while the name is missing
  setHostKnobs(s.sim.root, s.sim.host, { timing: { restartGapMs: 2_000 / TEST_TIME_FACTOR } });
  stopGuest(s.sim.root, s.sim.host, "vm1", "reboot");
  t.ok(await untilState(s.sim, "vm1", undefined, 5_000), "vm1 gone in the restart gap");
  t.ok(await untilState(s.sim, "vm1", "-b----", 15_000), "vm1 back");
  updateRecord(recordPath(rsctmp, "vm2"), leavingUntil("stop", 20_000), log);
  t.equal((await xl(s.sim, "destroy", "vm2")).code, 0, "our stop destroys vm2");
  await new Promise((r) => setTimeout(r, 2_000));
  t.same(reports(), [], "nothing reported");
  t.match(watcherLog(), /domain vm1 is being restarted by the toolstack: xl's monitoring process \d+ is restarting it/, "the reboot, by xl's evidence");
  t.match(watcherLog(), /domain vm2 went: a stop of ours is under way/, "the stop, by its record");
});

t.test("a domain fence_xen destroyed after noting the fence of this host's lease is not reported", async (t) => {
  const { s, env, rsctmp, reports, watching, watcherLog } = scene(t);
  const pool = join(s.root, "lease-pool");
  mkdirSync(pool);
  await runningResource(s, rsctmp, "vm1");
  const taken = await acquireLease({ fs: realLeaseFs, leaseDir: pool, domain: "vm1", host: "node1", timeoutMs: 60_000, now: Date.now });
  t.equal(taken.outcome, "acquired", "node1 holds vm1's lease");
  // XenDomain's held-lease record, as its lease guard writes it (agents/xen-domain/never-twice/lease-guard.ts)
  writeFileSync(join(rsctmp, "XenDomain-vm1.lease.json"), `${JSON.stringify({ generation: 1, renewedAt: Date.now(), leaseDir: pool })}\n`);
  t.equal((await s.run("start", env, overrides)).code, 0, "start");
  t.ok(await watching(), "baseline taken");
  const noted = await noteFence({ fs: realLeaseFs, leaseDir: pool, domain: "vm1", now: Date.now }, "fence_xen@node2", "announced");
  t.equal(noted.outcome, "noted", "fence announced in the pool");
  t.equal((await xl(s.sim, "destroy", "vm1")).code, 0, "fence_xen's destroy");
  t.ok(await until(() => /domain vm1 went: fenced by fence_xen@node2/.test(watcherLog()), 10_000), "recognised as our fence");
  t.same(reports(), [], "nothing reported");
});

t.test("monitor starts a watcher that died again", async (t) => {
  const { s, env, watcherPid } = scene(t);
  t.equal((await s.run("start", env, overrides)).code, 0, "start");
  const first = watcherPid();
  process.kill(-first, "SIGKILL");
  t.ok(await until(() => !alive(first), 3_000), "killed");
  const monitor = await s.run("monitor", env, overrides);
  t.equal(monitor.code, 0, "monitor");
  t.match(monitor.stderr, /the domain-death watcher is not running; starting it again/);
  const second = watcherPid();
  t.not(second, first, "a new watcher");
  t.ok(alive(second), "running");
});
