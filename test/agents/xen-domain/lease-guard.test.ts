import t from "tap";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { killHost, setHostKnobs, sharedDir, startHost } from "../../../lib/sim/index.ts";
import { runCommand } from "../../../lib/exec/command.ts";
import { readUserFile } from "../../../lib/exec/read-user-file.ts";
import { fenceNoteReader } from "../../../agents/xen-host/watcher/fence.ts";
import { watchedResources } from "../../../agents/xen-host/watcher/records.ts";
import { domainLeaseDir, leaseFileName } from "../../../lib/lease/lease-store.ts";
import { formatLease } from "../../../lib/lease/lease-record.ts";
import { CLOCK_SKEW_MS } from "../../../lib/lease/lease.ts";
import { LEASE_TIMEOUT_S, leaseLab, MONITOR } from "../../support/lease-lab.ts";

/** XenDomain with lease_dir (and peer_dom0s) on simulated hosts sharing a data pool. */

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
  const fenced = await lab.fence("node2", "vm1");
  t.equal(fenced.code, 0, fenced.stderr);
  t.match(fenced.stderr, /fence of vm1 confirmed in the lease pool/);
  // node1's XenHost watcher finds that note through node1's own records (agents/xen-host/watcher/fence.ts)
  const watched = watchedResources(lab.rsctmp("node1"));
  t.match(watched, [{ name: "vm1", lease: { generation: 1 } }], "the held-lease record says where a fence would be noted");
  const read = (path: string, limits: { readonly maxBytes: number; readonly timeoutMs: number }) => readUserFile(runCommand, path, { ...limits, env: process.env });
  const note = watched[0] && (await fenceNoteReader(read, () => lab.clock.now)(watched[0]));
  t.match(note, { kind: "fenced", why: /^fenced by fence_xen@node2 \(fence confirmed/ }, "and reads it as a fence of ours");
  const takeover = await lab.run("node2", "start");
  t.equal(takeover.code, 0, "no wait for the lease timeout");
  t.match(takeover.stderr, /previous="the holder node1 was fenced by fence_xen@node2"/);
  t.same(lab.where(), ["node2"]);
  const old = await lab.monitor("node1");
  t.equal(old.code, 7, "the old holder sees its domain gone", { stderr: old.stderr });
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

t.test("stop on a host that came back without Xen releases its lease as a normal stop does", async (t) => {
  for (const named of [true, false]) {
    const lab = leaseLab(t);
    const name = named ? { OCF_RESKEY_name: "vm1" } : {};
    t.equal((await lab.run("node1", "start", name)).code, 0);
    t.match((await lab.run("node2", "start", name)).reasons.at(-1), /node1 holds the lease/, "held while node1 runs vm1");
    // node1 rebooted without the hypervisor: its domains are gone, xl answers 'cannot init xl context'
    killHost(lab.root, "node1");
    setHostKnobs(lab.root, "node1", { hypervisor: false });
    await startHost(lab.root, "node1");
    const stop = await lab.run("node1", "stop", name);
    t.equal(stop.code, 0, `${named ? "name set" : "name from the record"}: stop 0 on positive evidence`, { stderr: stop.stderr });
    t.match(stop.stderr, /this kernel does not run on Xen/);
    const next = await lab.run("node2", "start", name);
    t.equal(next.code, 0, "node2 starts it at once, without waiting out the lease");
    t.match(next.stderr, /previous="released by node1"/);
    t.same(lab.where(), ["node2"]);
  }
});

t.test("peer check without a lease: a domain running on a peer is not started here", async (t) => {
  const lab = leaseLab(t, ["node1", "node2", "node3"]);
  const peers = { OCF_RESKEY_lease_dir: undefined, OCF_RESKEY_peer_dom0s: "node2 node3", OCF_RESKEY_peer_host_key_policy: "ignore" };
  const create = await runCommand("xl", ["create", join(sharedDir(lab.root), "vm1.cfg")], { timeoutMs: 30_000, env: lab.simEnv("node2") });
  t.equal(create.exitCode, 0, create.stderr);
  const refused = await lab.run("node1", "start", peers);
  t.equal(refused.code, 1);
  t.match(refused.reasons.at(-1), /domain vm1 already runs on node2 \(vm1\); not starting a second copy/);
  t.same(lab.where(), ["node2"]);

  await runCommand("xl", ["destroy", "vm1"], { timeoutMs: 30_000, env: lab.simEnv("node2") });
  killHost(lab.root, "node3");
  const strict = await lab.run("node1", "start", { ...peers, OCF_RESKEY_peer_check_strict: "true" });
  t.equal(strict.code, 1);
  t.match(strict.reasons.at(-1), /cannot ask peer node3: .*No route to host/);
  const lenient = await lab.run("node1", "start", peers);
  t.equal(lenient.code, 0, lenient.reasons.join("; "));
  t.match(lenient.stderr, /peer did not answer, starting anyway \(peer_check_strict=false\): node3: /);
  t.same(lab.where(), ["node1"]);
});

t.test("deep monitor (OCF_CHECK_LEVEL=10): a second copy on a peer fails the monitor, naming the peer; level 0 does not ask", async (t) => {
  const lab = leaseLab(t, ["node1", "node2", "node3"]);
  const peers = { OCF_RESKEY_lease_dir: undefined, OCF_RESKEY_peer_dom0s: "node2 node3", OCF_RESKEY_peer_host_key_policy: "ignore" };
  const deep = { ...peers, OCF_CHECK_LEVEL: "10", OCF_RESKEY_CRM_meta_interval: "60000" };
  t.equal((await lab.run("node1", "start", peers)).code, 0);
  t.equal((await lab.run("node1", "monitor", deep)).code, 0, "alone: the deep monitor passes");

  // someone starts a copy by hand on node2, past every cluster check
  const create = await runCommand("xl", ["create", join(sharedDir(lab.root), "vm1.cfg")], { timeoutMs: 30_000, env: lab.simEnv("node2") });
  t.equal(create.exitCode, 0, create.stderr);
  t.equal((await lab.run("node1", "monitor", { ...peers, OCF_RESKEY_CRM_meta_interval: "10000" })).code, 0, "level 0 looks at this host only");
  const found = await lab.run("node1", "monitor", deep);
  t.equal(found.code, 1);
  t.match(found.reasons.at(-1), /domain vm1 runs here and on node2 \(vm1\): two copies of one domain/);

  await runCommand("xl", ["destroy", "vm1"], { timeoutMs: 30_000, env: lab.simEnv("node2") });
  killHost(lab.root, "node3");
  const unanswered = await lab.run("node1", "monitor", deep);
  t.equal(unanswered.code, 0, "a peer that cannot be asked says nothing about this host's copy");
  t.match(unanswered.stderr, /deep monitor: peer not asked: node3: /);
});
