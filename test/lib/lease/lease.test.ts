import t, { type Test } from "tap";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acquireLease, CLOCK_SKEW_MS, noteFence, releaseLease, renewLease, type LeaseContext } from "../../../lib/lease/lease.ts";
import { answeringPool, realLeaseFs, type LeaseFs, type LookFromOutside } from "../../../lib/lease/lease-fs.ts";
import { runCommand } from "../../../lib/exec/command.ts";
import { readUserFile } from "../../../lib/exec/read-user-file.ts";
import { domainLeaseDir, leaseFileName } from "../../../lib/lease/lease-store.ts";
import { faultyLeaseFs, type PoolFault } from "../../support/faulty-lease-fs.ts";

const TIMEOUT = 30_000;

/** A shared pool directory and a clock the test moves; one context per host. */
function pool(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), "lease-pool-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clock = { now: 1_000_000 };
  const faults = new Map<string, PoolFault>();
  const host = (name: string, domain = "vm1"): LeaseContext => ({
    fs: faultyLeaseFs(() => faults.get(name) ?? "none"),
    leaseDir: dir,
    domain,
    host: name,
    timeoutMs: TIMEOUT,
    now: () => clock.now,
  });
  return { dir, clock, faults, host };
}

t.test("the first host takes generation 1; another host is refused, with the holder named", async (t) => {
  const p = pool(t);
  const first = await acquireLease(p.host("node1"));
  t.match(first, { outcome: "acquired", lease: { generation: 1, holder: "node1", state: "held" }, replaced: "no earlier lease" });
  const second = await acquireLease(p.host("node2"));
  t.match(second, { outcome: "refused", holder: "node1" });
  if (second.outcome === "refused") t.match(second.reason, /^node1 holds the lease of vm1 \(generation 1, expires in 32 s\)$/);
});

t.test("a lease stays live until timeout plus clock skew, then another host takes the next generation", async (t) => {
  const p = pool(t);
  await acquireLease(p.host("node1"));
  p.clock.now += TIMEOUT + CLOCK_SKEW_MS - 1;
  t.match(await acquireLease(p.host("node2")), { outcome: "refused" });
  p.clock.now += 1;
  const taken = await acquireLease(p.host("node2"));
  t.match(taken, { outcome: "acquired", lease: { generation: 2, holder: "node2" } });
  if (taken.outcome === "acquired") t.match(taken.replaced, /node1's lease expired 0 s ago/);
  t.match(await renewLease(p.host("node1"), 1), { outcome: "lost" }, "the old holder learns it lost at its next renewal");
});

t.test("renewal moves the expiry forward; only the holder of the current generation renews", async (t) => {
  const p = pool(t);
  await acquireLease(p.host("node1"));
  p.clock.now += 20_000;
  t.match(await renewLease(p.host("node1"), 1), { outcome: "renewed", lease: { renewedAt: p.clock.now } });
  p.clock.now += 20_000;
  t.match(await acquireLease(p.host("node2")), { outcome: "refused" }, "40 s after the start, but 20 s after the renewal");
  t.match(await renewLease(p.host("node2"), 1), { outcome: "lost" }, "node2 never held it");
});

t.test("a released lease is free at once", async (t) => {
  const p = pool(t);
  await acquireLease(p.host("node1"));
  t.equal(await releaseLease(p.host("node1"), 1), undefined);
  const taken = await acquireLease(p.host("node2"));
  t.match(taken, { outcome: "acquired", lease: { generation: 2 } });
  if (taken.outcome === "acquired") t.equal(taken.replaced, "released by node1");
  t.equal(await releaseLease(p.host("node1"), 1), undefined, "releasing a lease that is not ours any more changes nothing");
  t.match(await renewLease(p.host("node2"), 2), { outcome: "renewed" });
});

t.test("a fence: announced blocks everyone, including the old holder; confirmed frees the lease at once", async (t) => {
  const p = pool(t);
  await acquireLease(p.host("node1"));
  const fencer = { fs: realLeaseFs, leaseDir: p.dir, domain: "vm1", now: () => p.clock.now };
  t.same(await noteFence(fencer, "fence_xen@guest2", "announced"), { outcome: "noted", generation: 1 });
  t.match(await acquireLease(p.host("node2")), { outcome: "refused", reason: /being fenced by fence_xen@guest2/ });
  t.match(await acquireLease(p.host("node1")), { outcome: "refused" }, "the holder cannot restart under a condemned generation");
  t.match(await renewLease(p.host("node1"), 1), { outcome: "lost", reason: /being fenced by fence_xen@guest2 \(announced\)/ });
  t.same(await noteFence(fencer, "fence_xen@guest2", "confirmed", 1), { outcome: "noted", generation: 1 });
  const taken = await acquireLease(p.host("node2"));
  t.match(taken, { outcome: "acquired", lease: { generation: 2 }, replaced: "the holder node1 was fenced by fence_xen@guest2" });
  t.same(await noteFence(fencer, "late", "confirmed", 1), { outcome: "noted", generation: 1 }, "a late confirmation of an old generation writes nothing");
  t.match(await renewLease(p.host("node2"), 2), { outcome: "renewed" });
});

t.test("a live migration hands the source's lease to the target; nobody else gets it that way", async (t) => {
  const p = pool(t);
  await acquireLease(p.host("node1"));
  t.match(await acquireLease(p.host("node3"), "node2"), { outcome: "refused" }, "node3 is not the migration target of node1's lease");
  const taken = await acquireLease(p.host("node2"), "node1");
  t.match(taken, { outcome: "acquired", lease: { generation: 2, holder: "node2" }, replaced: "handed over by node1 (live migration)" });
  t.match(await renewLease(p.host("node1"), 1), { outcome: "lost" }, "the source, should it still run a copy, learns it lost");
  const fencer = { fs: realLeaseFs, leaseDir: p.dir, domain: "vm1", now: () => p.clock.now };
  await noteFence(fencer, "fence_xen@x", "announced");
  t.match(await acquireLease(p.host("node3"), "node2"), { outcome: "refused" }, "a fence in progress is never handed over");
});

t.test("two hosts racing for a free lease: exactly one wins, the other names the winner", async (t) => {
  const p = pool(t);
  for (let round = 0; round < 20; round++) {
    const domain = `race${round}`;
    const results = await Promise.all(["node1", "node2", "node3"].map((h) => acquireLease(p.host(h, domain))));
    const winners = results.filter((r) => r.outcome === "acquired");
    t.equal(winners.length, 1, `round ${round}: one winner`);
    const winner = winners[0]?.outcome === "acquired" ? winners[0].lease.holder : "";
    for (const loser of results.filter((r) => r.outcome !== "acquired")) {
      t.match(loser, { outcome: "refused", holder: winner });
    }
  }
});

t.test("a torn or foreign lease file is an error, not a free lease", async (t) => {
  const p = pool(t);
  await acquireLease(p.host("node1"));
  const file = join(domainLeaseDir(p.dir, "vm1"), leaseFileName(1));
  writeFileSync(file, "xen-ha-lease 1\ndomain=vm1\ngenera");
  p.clock.now += 10 * TIMEOUT;
  t.match(await acquireLease(p.host("node2")), { outcome: "storage", kind: "corrupt", problem: /no checksum line/ });
  writeFileSync(file, "<lease holder='someone else'/>\n");
  t.match(await acquireLease(p.host("node2")), { outcome: "storage", kind: "corrupt", problem: /not a xen-ha-lease 1 record/ });
});

t.test("a lease file that is no file: refused at once, never read, never a free lease", async (t) => {
  const kinds = {
    // open(2) of a FIFO without a writer would wait for one for ever
    "a FIFO": (file: string) => execFileSync("mkfifo", [file]),
    "a device": (file: string) => symlinkSync("/dev/zero", file),
    "a directory": (file: string) => mkdirSync(file),
    "2 MiB": (file: string) => {
      writeFileSync(file, "xen-ha-lease 1\n");
      truncateSync(file, 2 << 20);
    },
  };
  for (const [kind, make] of Object.entries(kinds)) {
    const p = pool(t);
    await acquireLease(p.host("node1"));
    const file = join(domainLeaseDir(p.dir, "vm1"), leaseFileName(1));
    rmSync(file);
    make(file);
    p.clock.now += 10 * TIMEOUT;
    const started = Date.now();
    const problem = kind === "2 MiB" ? /lease-000000000001 is 2097152 bytes, more than a record's 65536/ : /lease-000000000001 is not a regular file/;
    t.match(await acquireLease(p.host("node2")), { outcome: "storage", kind: "unreadable", problem }, `${kind}: another host is refused`);
    t.match(await renewLease(p.host("node1"), 1), { outcome: "storage", kind: "unreadable" }, `${kind}: the holder cannot renew`);
    t.ok(Date.now() - started < 2_000, `${kind}: answered in ${Date.now() - started} ms`);
  }
});

t.test("a copied lease of another domain is foreign", async (t) => {
  const p = pool(t);
  await acquireLease(p.host("node1", "vm1"));
  mkdirSync(domainLeaseDir(p.dir, "vm2"));
  writeFileSync(
    join(domainLeaseDir(p.dir, "vm2"), leaseFileName(1)),
    readFileSync(join(domainLeaseDir(p.dir, "vm1"), leaseFileName(1)), "utf8"),
  );
  t.match(await acquireLease(p.host("node2", "vm2")), { outcome: "storage", kind: "corrupt", problem: /foreign lease \(domain vm1/ });
});

t.test("a pool that is not mounted is not an empty pool", async (t) => {
  const p = pool(t);
  const missing = { ...p.host("node1"), leaseDir: join(p.dir, "not-mounted") };
  t.match(await acquireLease(missing), { outcome: "storage", kind: "unreadable" });
});

for (const fault of ["read-only", "full"] as const) {
  t.test(`a ${fault} pool: no new lease; the holder's renewal fails with its last renewal time`, async (t) => {
    const p = pool(t);
    await acquireLease(p.host("node1"));
    const renewedAt = p.clock.now;
    p.faults.set("node1", fault);
    p.faults.set("node2", fault);
    p.clock.now += 5_000;
    t.match(await renewLease(p.host("node1"), 1), { outcome: "storage", kind: "unwritable", lastRenewedAt: renewedAt });
    p.clock.now += 10 * TIMEOUT;
    t.match(await acquireLease(p.host("node2")), { outcome: "storage", kind: "unwritable" });
    t.same(readdirSync(domainLeaseDir(p.dir, "vm1")).filter((n) => n.startsWith(".tmp")), [], "no temporary file is left behind");
  });
}

t.test("an unreachable pool: renewal cannot even read", async (t) => {
  const p = pool(t);
  await acquireLease(p.host("node1"));
  p.faults.set("node1", "unreachable");
  t.match(await renewLease(p.host("node1"), 1), { outcome: "storage", kind: "unreadable", lastRenewedAt: undefined });
});

t.test("old generations are pruned; the current one and its predecessor stay", async (t) => {
  const p = pool(t);
  for (let i = 0; i < 5; i++) {
    const got = await acquireLease(p.host("node1"));
    t.equal(got.outcome, "acquired");
  }
  t.same(readdirSync(domainLeaseDir(p.dir, "vm1")).sort(), [leaseFileName(4), leaseFileName(5)]);
});

t.test("a pool that does not answer a child's look is a storage failure, and is never touched in-process", async (t) => {
  const p = pool(t);
  const touched: string[] = [];
  const counting: LeaseFs = Object.fromEntries(
    Object.entries(realLeaseFs).map(([op, fn]) => [op, (...args: unknown[]) => (touched.push(op), (fn as (...a: unknown[]) => Promise<unknown>)(...args))]),
  ) as unknown as LeaseFs;
  let looks = 0;
  // what lib/exec/read-user-file.ts answers when its stat child is killed at its timeout (a hard-mounted export whose server is gone)
  const hung: LookFromOutside = async (_path, limits) => {
    looks++;
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { ok: false, kind: "unreadable", problem: `did not answer within ${limits.timeoutMs} ms (a network file system that does not respond?)` };
  };
  const gone = { ...p.host("node1"), fs: answeringPool(counting, p.dir, hung, () => 2_000) };
  t.match(await acquireLease(gone), { outcome: "storage", kind: "unreadable", problem: /: lease directory \S+ did not answer within 2000 ms/ });
  t.match(await renewLease(gone, 1), { outcome: "storage", kind: "unreadable" });
  t.equal(await releaseLease(gone, 1).then((r) => r?.kind), "unreadable");
  t.same(touched, [], "no file operation ran in this process");
  t.equal(looks, 1, "one look per pool view (an action's)");

  // a look that answers: the pool is used as before (a directory is "refused" as no regular file, and answered)
  const fine = { ...p.host("node1"), fs: answeringPool(counting, p.dir, (path, limits) => readUserFile(runCommand, path, { ...limits, env: process.env }), () => 2_000) };
  t.match(await acquireLease(fine), { outcome: "acquired", lease: { generation: 1 } });
  t.ok(touched.length > 0, "the answering pool was used");
});
