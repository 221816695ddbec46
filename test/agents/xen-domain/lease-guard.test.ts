import t, { type Test } from "tap";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanupSim, createSimHost, killHost, listDomains, sharedDir, writeSampleConfig, type SimHost } from "../../../lib/sim/index.ts";
import { runCommand } from "../../../lib/exec/command.ts";
import { domainLeaseDir, leaseFileName } from "../../../lib/lease/lease-store.ts";
import { formatLease } from "../../../lib/lease/lease-record.ts";
import { CLOCK_SKEW_MS } from "../../../lib/lease/lease.ts";
import { pacemakerEnv, runXenDomain, type Env } from "../../support/run-agent-in-process.ts";
import { faultyLeaseFs, type PoolFault } from "../../support/faulty-lease-fs.ts";
import { fenceXenMain } from "../../../agents/fence-xen/main.ts";
import { realFenceXenDeps } from "../../../agents/fence-xen/device.ts";

const LEASE_TIMEOUT_S = 20;
const MONITOR = { intervalMs: 2_000, timeoutMs: 5_000 };

/**
 * Hosts sharing one data pool (the simulator's shared/ directory), each
 * running XenDomain in this process with its own HA_RSCTMP, node name and
 * view of the pool (a pool fault can be given to one host only). Lease time
 * is a clock the test moves; the simulated toolstack runs in real time.
 */
function leaseLab(t: Test, hosts: readonly string[] = ["node1", "node2"]) {
  const root = mkdtempSync(join(tmpdir(), "lease-lab-"));
  t.teardown(() => {
    cleanupSim(root);
    rmSync(root, { recursive: true, force: true });
  });
  const sims: Record<string, SimHost> = Object.fromEntries(
    hosts.map((host) => [host, createSimHost({ root, host, timeFactor: 0.05, basePath: "/usr/sbin:/usr/bin:/sbin:/bin" })]),
  );
  const config = writeSampleConfig({ root, name: "vm1", memoryMiB: 256 });
  const leaseDir = join(sharedDir(root), "leases");
  mkdirSync(leaseDir, { recursive: true });
  const clock = { now: Date.now() };
  const faults = new Map<string, PoolFault>();
  const envOf = (host: string, extra: Env = {}): Env => ({
    ...pacemakerEnv("vm1-rsc", { timeoutMs: 20_000 }),
    ...sims[host]?.env,
    NODE_OPTIONS: "",
    HA_RSCTMP: join(root, "rsctmp", host),
    OCF_RESKEY_xmfile: config,
    OCF_RESKEY_lease_dir: leaseDir,
    OCF_RESKEY_lease_timeout: String(LEASE_TIMEOUT_S),
    OCF_RESKEY_shutdown_timeout: "0",
    OCF_RESKEY_CRM_meta_on_node: host,
    ...extra,
  });
  return {
    root,
    sims,
    leaseDir,
    clock,
    faults,
    envOf,
    run: (host: string, action: string, extra: Env = {}) =>
      runXenDomain(action, envOf(host, extra), { leaseFs: faultyLeaseFs(() => faults.get(host) ?? "none"), now: () => clock.now }),
    monitor: (host: string) =>
      runXenDomain("monitor", envOf(host, { OCF_RESKEY_CRM_meta_interval: String(MONITOR.intervalMs), OCF_RESKEY_CRM_meta_timeout: String(MONITOR.timeoutMs) }), {
        leaseFs: faultyLeaseFs(() => faults.get(host) ?? "none"),
        now: () => clock.now,
      }),
    /** Ground truth: the hosts where vm1 exists (any state but dying). */
    where: () => hosts.filter((host) => listDomains(root, host).some((d) => d.name === "vm1" && !d.dying)),
  };
}

t.test("two hosts race to start the same domain: exactly one runs it, the other refuses naming the holder", async (t) => {
  const lab = leaseLab(t);
  const [one, two] = await Promise.all([lab.run("node1", "start"), lab.run("node2", "start")]);
  const results = [one, two].map((r) => r.code).sort();
  t.same(results, [0, 1], "one start succeeded, one failed");
  const loser = one.code === 0 ? two : one;
  const winner = one.code === 0 ? "node1" : "node2";
  t.match(loser.reasons.at(-1), new RegExp(`not starting vm1: ${winner} (holds the lease|took the lease of vm1 first)`));
  t.same(lab.where(), [winner], "vm1 runs on exactly one host");
});

t.test("a partitioned holder destroys its copy before the lease can be taken over", async (t) => {
  const lab = leaseLab(t);
  t.equal((await lab.run("node1", "start")).code, 0);
  const started = lab.clock.now;
  lab.faults.set("node1", "unreachable");

  lab.clock.now = started + 5_000;
  const early = await lab.monitor("node1");
  t.equal(early.code, 0, "a monitor that merely cannot renew does not kill the domain while the lease holds");
  t.match(early.stderr, /lease of vm1 not renewed .*EIO.*; it stays valid for 15 s/);
  t.match((await lab.run("node2", "start")).reasons.at(-1), /node1 holds the lease of vm1/, "and nobody else may start it meanwhile");

  lab.clock.now = started + LEASE_TIMEOUT_S * 1000 - MONITOR.intervalMs - MONITOR.timeoutMs;
  const late = await lab.monitor("node1");
  t.equal(late.code, 1, "the last monitor before expiry fences its own host's copy");
  t.match(late.reasons.at(-1), /lease of vm1 cannot be renewed .* would expire before the next monitor; this host's copy was destroyed/);
  t.same(lab.where(), [], "gone before the lease expires");

  lab.clock.now = started + LEASE_TIMEOUT_S * 1000 + CLOCK_SKEW_MS;
  const takeover = await lab.run("node2", "start");
  t.equal(takeover.code, 0, takeover.reasons.join("; "));
  t.match(takeover.stderr, /lease of vm1 taken generation=2 previous="node1's lease expired/);
  t.same(lab.where(), ["node2"]);
});

t.test("a fenced holder: fence_xen off records the fence and another host takes over at once", async (t) => {
  const lab = leaseLab(t);
  t.equal((await lab.run("node1", "start")).code, 0);
  t.match((await lab.run("node2", "start")).reasons.at(-1), /node1 holds the lease/);
  const out = { stdout: "", stderr: "" };
  const fenced = await fenceXenMain(
    {
      argv: [],
      env: { ...lab.sims["node2"]?.env, NODE_OPTIONS: "" },
      stdin: () => `action=off\nport=vm1\ndom0_list=node1 node2\nssh_host_key_policy=ignore\nlease_dir=${lab.leaseDir}\n`,
      stdout: (s) => (out.stdout += s),
      stderr: (s) => (out.stderr += s),
    },
    { ...realFenceXenDeps("fence_xen@node2"), now: () => lab.clock.now },
  );
  t.equal(fenced, 0, out.stderr);
  t.match(out.stderr, /fence of vm1 confirmed in the lease pool/);
  const takeover = await lab.run("node2", "start");
  t.equal(takeover.code, 0, "no wait for the lease timeout");
  t.match(takeover.stderr, /previous="the holder node1 was fenced by fence_xen@node2"/);
  t.same(lab.where(), ["node2"]);
  t.equal((await lab.monitor("node1")).code, 7, "the old holder sees its domain gone");
});

t.test("an expired stale lease of a vanished host is taken; a live one is not", async (t) => {
  const lab = leaseLab(t);
  const dir = domainLeaseDir(lab.leaseDir, "vm1");
  mkdirSync(dir, { recursive: true });
  const stale = { domain: "vm1", generation: 41, holder: "node9", state: "held", timeoutMs: 20_000 } as const;
  writeFileSync(join(dir, leaseFileName(41)), formatLease({ ...stale, renewedAt: lab.clock.now - 5_000 }));
  const refused = await lab.run("node1", "start");
  t.equal(refused.code, 1);
  t.match(refused.reasons.at(-1), /not starting vm1: node9 holds the lease of vm1 \(generation 41, expires in 17 s\)/);
  writeFileSync(join(dir, leaseFileName(41)), formatLease({ ...stale, renewedAt: lab.clock.now - 3_600_000 }));
  const taken = await lab.run("node1", "start");
  t.equal(taken.code, 0);
  t.match(taken.stderr, /generation=42 previous="node9's lease expired/);
});

t.test("a torn lease file refuses the start; it is not a free lease", async (t) => {
  const lab = leaseLab(t);
  const dir = domainLeaseDir(lab.leaseDir, "vm1");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, leaseFileName(3)), "xen-ha-lease 1\ndomain=vm1\ngeneration=3\nhol");
  lab.clock.now += 86_400_000;
  const run = await lab.run("node1", "start");
  t.equal(run.code, 1);
  t.match(run.reasons.at(-1), /not starting vm1: cannot take its lease: .*lease-000000000003: no checksum line \(torn write\?\)/);
  t.same(lab.where(), []);
});

t.test("a full or read-only pool: start refuses; a running domain survives a monitor that cannot write", async (t) => {
  const lab = leaseLab(t);
  lab.faults.set("node1", "full");
  const full = await lab.run("node1", "start");
  t.equal(full.code, 1);
  t.match(full.reasons.at(-1), /cannot take its lease: .*ENOSPC/);
  t.same(lab.where(), [], "nothing was created");

  lab.faults.set("node1", "none");
  t.equal((await lab.run("node1", "start")).code, 0);
  lab.faults.set("node1", "read-only");
  lab.clock.now += 3_000;
  const monitor = await lab.monitor("node1");
  t.equal(monitor.code, 0, "still within the lease");
  t.match(monitor.stderr, /EROFS/);
  t.same(lab.where(), ["node1"]);
  lab.clock.now += LEASE_TIMEOUT_S * 1000;
  t.equal((await lab.monitor("node1")).code, 1, "past the lease: destroyed");
  t.same(lab.where(), []);
});

t.test("stop releases the lease only once the domain is gone; then another host starts at once", async (t) => {
  const lab = leaseLab(t);
  t.equal((await lab.run("node1", "start")).code, 0);
  t.equal((await lab.monitor("node1")).code, 0);
  t.equal((await lab.run("node1", "stop")).code, 0);
  t.same(lab.where(), []);
  const next = await lab.run("node2", "start");
  t.equal(next.code, 0);
  t.match(next.stderr, /previous="released by node1"/);
  t.equal((await lab.run("node2", "stop", { OCF_RESKEY_CRM_meta_timeout: "20000" })).code, 0);
});

t.test("peer check without a lease: a domain running on a peer is not started here", async (t) => {
  const lab = leaseLab(t, ["node1", "node2", "node3"]);
  const peers = { OCF_RESKEY_lease_dir: undefined, OCF_RESKEY_peer_dom0s: "node2 node3", OCF_RESKEY_peer_host_key_policy: "ignore" };
  const create = await runCommand("xl", ["create", join(sharedDir(lab.root), "vm1.cfg")], { timeoutMs: 30_000, env: { ...lab.sims["node2"]?.env, NODE_OPTIONS: "" } });
  t.equal(create.exitCode, 0, create.stderr);
  const refused = await lab.run("node1", "start", peers);
  t.equal(refused.code, 1);
  t.match(refused.reasons.at(-1), /domain vm1 already runs on node2 \(vm1\); not starting a second copy/);
  t.same(lab.where(), ["node2"]);

  await runCommand("xl", ["destroy", "vm1"], { timeoutMs: 30_000, env: { ...lab.sims["node2"]?.env, NODE_OPTIONS: "" } });
  killHost(lab.root, "node3");
  const strict = await lab.run("node1", "start", { ...peers, OCF_RESKEY_peer_check_strict: "true" });
  t.equal(strict.code, 1);
  t.match(strict.reasons.at(-1), /cannot ask peer node3 whether it runs vm1: .*No route to host/);
  const lenient = await lab.run("node1", "start", peers);
  t.equal(lenient.code, 0, lenient.reasons.join("; "));
  t.match(lenient.stderr, /peer node3 did not answer, starting anyway/);
  t.same(lab.where(), ["node1"]);
});
