import t from "tap";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { runCommand, type CommandOptions, type CommandResult } from "../../../lib/exec/command.ts";
import { readUserFile } from "../../../lib/exec/read-user-file.ts";
import { acquireLease, noteFence, type LeaseContext } from "../../../lib/lease/lease.ts";
import { realLeaseFs } from "../../../lib/lease/lease-fs.ts";
import { domainLeaseDir, fenceFileName } from "../../../lib/lease/lease-store.ts";
import { fenceNoteReader, FENCE_NOTE_WINDOW_MS, FENCE_READ_MS, type FenceLook } from "../../../agents/xen-host/watcher/fence.ts";
import { cachedResources, RACY_MS, watchedResources } from "../../../agents/xen-host/watcher/records.ts";
import { createLogger } from "../../../lib/ocf/logger.ts";
import { INTRODUCE_LOOK_MS, startWatcher, WATCH_ARGS, type WatcherDeps } from "../../../agents/xen-host/watcher/daemon.ts";
import type { Evidence } from "../../../agents/xen-host/watcher/judge.ts";
import type { WatchedResource } from "../../../agents/xen-host/watcher/records.ts";
import { namesFromLs } from "../../../agents/xen-host/watcher/scan.ts";
import type { LineHandlers } from "../../../agents/xen-host/watcher/stream.ts";
import { parseWatcherArgs } from "../../../agents/xen-host/watcher/command.ts";
import { xenstoredIdentity } from "../../../agents/xen-host/watcher/xenstored.ts";

/**
 * The domain-death watcher, one scenario per row: what the domains look
 * like before and after a @releaseDomain, what the records and the restart
 * evidence say, and whether `crm_resource --fail` is run (its exact argv).
 */

const result = (fields: Partial<CommandResult>): CommandResult => ({
  command: "",
  exitCode: 0,
  spawnError: undefined,
  signal: undefined,
  timedOut: false,
  stdout: "",
  stderr: "",
  durationMs: 1,
  ...fields,
});

const ls = (domains: Readonly<Record<number, string>>): string =>
  ['/local/domain/0/name = "Domain-0"', ...Object.entries(domains).map(([id, name]) => `/local/domain/${id}/name = "${name}"`)].join("\n") + "\n";

interface Stage {
  domains: Record<number, string>;
  records: WatchedResource[];
  evidence: Evidence;
  fenceNote: (resource: WatchedResource) => Promise<FenceLook>;
  readonly calls: { file: string; args: readonly string[]; options: CommandOptions }[];
  readonly logs: string[];
  watch: LineHandlers | undefined;
  starts: number;
  lsFails: boolean;
  /** The record read at judging time; absent: records(). */
  recordOf?: (resource: string) => WatchedResource | undefined;
  /** Set: xenstored is checked this often; `xenstored` says whether it answers, `identity` which one runs. */
  checkMs?: number;
  xenstored?: "answers" | "dead";
  identity?: string | undefined;
  stops?: number;
  /** xenstore-exists answers after this long. */
  existsMs?: number;
}

function stage(given: Partial<Stage> = {}) {
  const s: Stage = {
    domains: { 1: "vm1", 2: "vm2" },
    records: [{ resource: "vm1", name: "vm1", domid: 1, leaving: undefined }],
    evidence: { restarting: false, why: "no monitoring process restarts it" },
    fenceNote: async () => ({ kind: "none" }),
    calls: [],
    logs: [],
    watch: undefined,
    starts: 0,
    lsFails: false,
    ...given,
  };
  const deps: WatcherDeps = {
    run: async (file, args, options) => {
      s.calls.push({ file, args, options });
      if (file === "xenstore-ls") return s.lsFails ? result({ exitCode: 1, stderr: "xenstore-ls: xs_open: Connection refused\n" }) : result({ stdout: ls(s.domains) });
      if (file === "xenstore-exists" && args[0] === "/local/domain/0" && s.xenstored === "dead") return result({ exitCode: 1, stderr: "xenstore-exists: xs_open: Connection refused\n" });
      if (file === "xenstore-exists" && s.existsMs) await new Promise((r) => setTimeout(r, s.existsMs));
      if (file === "xenstore-exists") return result({ exitCode: s.domains[Number(args[0]?.split("/")[3])] === undefined ? 1 : 0 });
      return result({});
    },
    startLines: (file, args, _env, handlers) => {
      t.equal(file, "xenstore-watch");
      t.same(args, WATCH_ARGS);
      s.starts++;
      s.watch = handlers;
      return {
        stop: () => {
          s.stops = (s.stops ?? 0) + 1;
          if (s.checkMs !== undefined) handlers.exit({ code: null, signal: "SIGKILL" });
        },
      };
    },
    env: {},
    records: () => s.records,
    ...(s.recordOf ? { recordOf: s.recordOf } : {}),
    ...(s.checkMs !== undefined ? { xenstoredCheckMs: s.checkMs, xenstoredIdentity: () => s.identity } : {}),
    restartEvidence: async () => s.evidence,
    fenceNote: (resource) => s.fenceNote(resource),
    node: "node1",
    log: createLogger("test", {}, (text) => void s.logs.push(text)),
    now: () => performance.now(),
  };
  const watcher = startWatcher(deps);
  const event = async (line = "@releaseDomain"): Promise<void> => {
    s.watch?.line(line);
    await watcher.idle();
  };
  /** xenstore-watch's initial firing: each watched path once; the baseline look follows the last. */
  const initial = async (): Promise<void> => {
    for (const path of WATCH_ARGS) s.watch?.line(path);
    await watcher.idle();
  };
  const failCalls = () => s.calls.filter((c) => c.file === "crm_resource").map((c) => c.args);
  return { s, watcher, event, initial, failCalls };
}

const FAIL_VM1 = ["--fail", "--resource", "vm1", "--node", "node1"];

interface Row {
  readonly name: string;
  readonly after: Record<number, string>;
  readonly record?: Partial<WatchedResource>;
  readonly evidence?: Evidence;
  readonly reported: boolean;
  readonly log?: RegExp;
}

const soon = () => Date.now() + 60_000;

const rows: Row[] = [
  { name: "crash (on_crash=destroy): reported at once", after: { 2: "vm2" }, reported: true, log: /vm1 \(id 1\) died and nothing of ours explains it/ },
  { name: "admin's xl destroy: reported", after: { 2: "vm2" }, reported: true },
  { name: "our stop under way: not reported", after: { 2: "vm2" }, record: { leaving: { action: "stop", until: soon() } }, reported: false, log: /a stop of ours is under way/ },
  { name: "our migrate_to under way: not reported", after: { 2: "vm2" }, record: { leaving: { action: "migrate_to", until: soon() } }, reported: false },
  { name: "a stop note past its deadline explains nothing", after: { 2: "vm2" }, record: { leaving: { action: "stop", until: Date.now() - 1 } }, reported: true },
  { name: "reboot (xl restarting it): not reported", after: { 2: "vm2" }, evidence: { restarting: true, why: "Done. Rebooting now" }, reported: false, log: /being restarted by the toolstack/ },
  { name: "already back under a new domid: alive", after: { 2: "vm2", 3: "vm1" }, reported: false },
  { name: "another domain died: not ours to report", after: { 1: "vm1" }, reported: false },
  { name: "nothing changed (spurious event)", after: { 1: "vm1", 2: "vm2" }, reported: false },
];

for (const row of rows) {
  t.test(row.name, async (t) => {
    const { s, watcher, event, initial, failCalls } = stage();
    t.teardown(() => watcher.stop());
    s.records = [{ resource: "vm1", name: "vm1", domid: 1, leaving: undefined, ...row.record }];
    if (row.evidence) s.evidence = row.evidence;
    await initial(); // the baseline look
    s.domains = row.after;
    await event();
    t.same(failCalls(), row.reported ? [FAIL_VM1] : [], row.reported ? "crm_resource --fail, argv exactly" : "no report");
    if (row.log) t.match(s.logs.join(""), row.log);
    const report = s.calls.find((c) => c.file === "crm_resource");
    if (report) t.ok(report.options.timeoutMs > 0 && report.options.timeoutMs <= 10_000, "bounded");
  });
}

t.test("a death is reported once, however many events follow", async (t) => {
  const { s, watcher, event, initial, failCalls } = stage();
  t.teardown(() => watcher.stop());
  await initial();
  s.domains = { 2: "vm2" };
  await event();
  await event();
  await event("@introduceDomain");
  t.same(failCalls(), [FAIL_VM1]);
});

t.test("the first look is a baseline: a domain already gone is the monitor's", async (t) => {
  const { s, watcher, event, initial, failCalls } = stage({ domains: { 2: "vm2" } });
  t.teardown(() => watcher.stop());
  await initial();
  await event();
  t.same(failCalls(), []);
});

t.test("a restart that never comes back is looked at again, then reported", async (t) => {
  const { s, watcher, event, initial, failCalls } = stage();
  t.teardown(() => watcher.stop());
  await initial();
  s.domains = { 2: "vm2" };
  s.evidence = { restarting: true, why: "Action for shutdown reason code 1 is restart" };
  await event();
  t.same(failCalls(), [], "restarting: not yet");
  // xl's re-creation failed: its monitoring process exited without a new domain
  s.evidence = { restarting: false, why: "xl's monitoring process 123 is done with it" };
  const lsBefore = s.calls.filter((c) => c.file === "xenstore-ls").length;
  const deadline = Date.now() + 5_000;
  while (failCalls().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.ok(s.calls.filter((c) => c.file === "xenstore-ls").length > lsBefore, "looked again without an event");
  t.same(failCalls(), [FAIL_VM1], "reported once the evidence says it is not coming back");
});

t.test("a restart that comes back ends the watch on it", async (t) => {
  const { s, watcher, event, initial, failCalls } = stage();
  t.teardown(() => watcher.stop());
  await initial();
  s.domains = { 2: "vm2" };
  s.evidence = { restarting: true, why: "Done. Rebooting now" };
  await event();
  s.domains = { 2: "vm2", 4: "vm1" };
  await event("@introduceDomain");
  await new Promise((r) => setTimeout(r, 700)); // at most one recheck was still due
  const looks = s.calls.filter((c) => c.file === "xenstore-ls").length;
  await new Promise((r) => setTimeout(r, 1_200));
  t.equal(s.calls.filter((c) => c.file === "xenstore-ls").length, looks, "no more looks without events once it is back");
  t.same(failCalls(), [], "no report");
});

t.test("xenstore-watch ends or is missing: logged, started again with a growing wait", async (t) => {
  const { s, watcher, event, initial, failCalls } = stage();
  t.teardown(() => watcher.stop());
  await initial();
  s.watch?.exit({ code: null, signal: "SIGKILL" });
  t.match(s.logs.join(""), /xenstore-watch ended \(SIGKILL\); domain deaths are seen only by the monitors/);
  // vm1 dies while no watch runs: the new watch's initial firing finds it
  s.domains = { 2: "vm2" };
  const deadline = Date.now() + 3_000;
  while (s.starts < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.equal(s.starts, 2, "started again");
  await initial();
  t.same(failCalls(), [FAIL_VM1], "the death in the gap is found by the next look");
  s.watch?.exit({ code: null, signal: null, startError: "ENOENT" });
  t.match(s.logs.join(""), /xenstore-watch is not installed \(not on PATH\)/);
});

t.test("xenstore-ls failing: no verdict, the next look decides", async (t) => {
  const { s, watcher, event, initial, failCalls } = stage();
  t.teardown(() => watcher.stop());
  await initial();
  s.lsFails = true;
  s.domains = { 2: "vm2" };
  await event();
  t.same(failCalls(), []);
  t.match(s.logs.join(""), /xenstore-ls -f \/local\/domain failed \(exit 1\): xenstore-ls: xs_open: Connection refused/);
  s.lsFails = false;
  await event();
  t.same(failCalls(), [FAIL_VM1]);
});

t.test("a recorded domain's /local/domain/N removed: judged at once, without a look", async (t) => {
  const { s, watcher, event, initial, failCalls } = stage();
  t.teardown(() => watcher.stop());
  await initial();
  const looks = () => s.calls.filter((c) => c.file === "xenstore-ls").length;
  const before = looks();
  s.domains = { 2: "vm2" };
  await event("/local/domain/1");
  await new Promise((r) => setTimeout(r, 50));
  t.same(failCalls(), [FAIL_VM1], "reported");
  t.equal(looks(), before, "no xenstore-ls on the way");
  await event("@releaseDomain"); // the hypercall's event that follows
  t.same(failCalls(), [FAIL_VM1], "still once");
});

t.test("the destroy's @releaseDomain right after the removal: its look waits for the report", async (t) => {
  const { s, watcher, initial, failCalls } = stage({ existsMs: 100 });
  t.teardown(() => watcher.stop());
  await initial();
  const baseline = s.calls.length;
  s.domains = { 2: "vm2" };
  s.watch?.line("/local/domain/1");
  s.watch?.line("@releaseDomain");
  await watcher.idle();
  const order = s.calls.slice(baseline).map((c) => c.file);
  t.same(failCalls(), [FAIL_VM1], "reported once");
  t.same(order, ["xenstore-exists", "crm_resource", "xenstore-ls"], "exists, the report, then the look");
});

t.test("/local/domain lines that are not a recorded domain's top node: ignored", async (t) => {
  const { s, watcher, event, initial, failCalls } = stage();
  t.teardown(() => watcher.stop());
  s.records = [{ resource: "vm1", name: "vm1", domid: 1, leaving: { action: "stop", until: soon() } }];
  await initial();
  const before = s.calls.length;
  for (const line of ["/local/domain/7", "/local/domain/1/name", "/local/domain/1/memory/target", "/local/domain", "/local/domain/01x"]) await event(line);
  t.equal(s.calls.length, before, "no look, no report");
  s.domains = { 2: "vm2" };
  await event("/local/domain/1");
  await new Promise((r) => setTimeout(r, 50));
  t.same(failCalls(), [], "our stop: not reported");
  t.match(s.logs.join(""), /domain vm1 went: a stop of ours is under way/);
});

t.test("a recorded domain's /local/domain/N read late, after its creation: still there, not a death", async (t) => {
  const { s, watcher, event, initial, failCalls } = stage();
  t.teardown(() => watcher.stop());
  await initial();
  s.domains = { 1: "vm1", 2: "vm2", 3: "vm3" };
  s.records = [...s.records, { resource: "vm3", name: "vm3", domid: 3, leaving: undefined }];
  await event("/local/domain/3");
  await new Promise((r) => setTimeout(r, 50));
  t.same(failCalls(), [], "xenstore-exists says it is there");
  t.ok(s.calls.some((c) => c.file === "xenstore-exists" && c.args[0] === "/local/domain/3"), "asked");
});

t.test("an @introduceDomain alone: its look waits, and a look that starts meanwhile serves it", async (t) => {
  const { s, watcher, event, initial, failCalls } = stage();
  t.teardown(() => watcher.stop());
  await initial();
  const looks = () => s.calls.filter((c) => c.file === "xenstore-ls").length;
  const before = looks();
  s.domains = { 1: "vm1", 2: "vm2", 3: "vm3" };
  await event("@introduceDomain");
  t.equal(looks(), before, "no look at once: a creation is no death");
  const deadline = Date.now() + INTRODUCE_LOOK_MS + 2_000;
  while (looks() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.equal(looks(), before + 1, `looked within ${INTRODUCE_LOOK_MS} ms`);
  // vm3 is now in the last look: its death (no /local/domain line: a look finds it) is judged
  s.records = [...s.records, { resource: "vm3", name: "vm3", domid: 3, leaving: undefined }];
  await event("@introduceDomain");
  s.domains = { 1: "vm1", 2: "vm2" };
  await event("@releaseDomain");
  t.same(failCalls(), [["--fail", "--resource", "vm3", "--node", "node1"]], "the new domain's death reported");
  await new Promise((r) => setTimeout(r, INTRODUCE_LOOK_MS + 300));
  t.equal(looks(), before + 2, "the owed look was served by the @releaseDomain's");
});

t.test("a vanished domain is judged on its record read then, not on the candidates", async (t) => {
  // the candidates (records(), a cache in the watcher process) predate the stop's note that recordOf reads
  const noted: WatchedResource = { resource: "vm1", name: "vm1", domid: 1, leaving: { action: "stop", until: soon() } };
  for (const [name, now, log] of [
    ["a stop's note newer than the candidates", noted, /domain vm1 went: a stop of ours is under way/],
    ["a record no longer saying it runs (the stop is over)", undefined, undefined],
  ] as const) {
    for (const how of ["@releaseDomain", "/local/domain/1"]) {
      const { s, watcher, event, initial, failCalls } = stage({ recordOf: () => now });
      await initial();
      s.domains = { 2: "vm2" };
      await event(how);
      await new Promise((r) => setTimeout(r, 50));
      t.same(failCalls(), [], `${name}, seen by ${how}: not reported`);
      if (log) t.match(s.logs.join(""), log);
      watcher.stop();
    }
  }
});

t.test("xenstored dead or replaced: the watch is made again, and the log says why", async (t) => {
  const until = async (what: () => boolean): Promise<void> => {
    const deadline = Date.now() + 5_000;
    while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  };
  const healthy = stage({ checkMs: 20, xenstored: "answers", identity: "100@5" });
  await healthy.initial();
  await new Promise((r) => setTimeout(r, 200));
  t.equal(healthy.s.starts, 1, "answering, the same process: the watch stays");
  t.ok(healthy.s.calls.filter((c) => c.file === "xenstore-exists" && c.args[0] === "/local/domain/0").length >= 3, "asked each time, bounded");
  healthy.watcher.stop();

  const dead = stage({ checkMs: 20, xenstored: "answers", identity: "100@5" });
  await dead.initial();
  dead.s.xenstored = "dead";
  await until(() => dead.s.starts >= 2);
  t.match(dead.s.logs.join(""), /xenstored does not answer \(xenstore-exists \/local\/domain\/0: xenstore-exists: xs_open: Connection refused\): the watch sees no domain die; making it again/);
  t.match(dead.s.logs.join(""), /xenstore-watch ended \(SIGKILL\); domain deaths are seen only by the monitors until it runs again/);
  t.equal(dead.s.starts, 2, "started again (its own retries follow while xenstored stays away)");
  dead.watcher.stop();

  const replaced = stage({ checkMs: 20, xenstored: "answers", identity: "100@5" });
  await replaced.initial();
  replaced.s.identity = "200@9";
  await until(() => replaced.s.starts >= 2);
  t.match(replaced.s.logs.join(""), /xenstored is not the one the watch was made in \(100@5, now 200@9\)/);
  await new Promise((r) => setTimeout(r, 200));
  t.equal(replaced.s.starts, 2, "the new watch belongs to the new xenstored: made once");
  replaced.watcher.stop();
});

t.test("xenstored's identity: pid and start time of xenstored or oxenstored in /proc, none otherwise", async (t) => {
  const sysroot = t.testdir();
  const proc = (pid: number, comm: string, started: number) => {
    mkdirSync(join(sysroot, "proc", String(pid)), { recursive: true });
    // a comm with a space and a parenthesis, as /proc shows it; fields after it up to starttime (22)
    writeFileSync(join(sysroot, "proc", String(pid), "stat"), `${pid} (${comm}) S 1 ${pid} ${pid} 0 -1 4194560 1 0 0 0 2 3 0 0 20 0 1 0 ${started} 1000 10\n`);
  };
  t.equal(xenstoredIdentity(sysroot), undefined, "no /proc: none");
  proc(12, "sshd", 50);
  proc(34, "xenstored (x)", 60);
  t.equal(xenstoredIdentity(sysroot), undefined, "only that exact name counts");
  proc(56, "oxenstored", 777);
  t.equal(xenstoredIdentity(sysroot), "56@777");
  writeFileSync(join(sysroot, "proc", "56", "stat"), "56 (oxenstored) S 1\n");
  t.equal(xenstoredIdentity(sysroot), undefined, "a torn stat says nothing");
});

/**
 * Fences (doc/xen-host.md §8): fence_xen's note in the lease pool, written by
 * lib/lease's own writer (noteFence, as agents/fence-xen/lease-notes.ts does)
 * and read by the watcher's real bounded reader (stat + dd children).
 * vm1's record holds generation `held` of its lease in `pool`.
 */
interface FenceRow {
  readonly name: string;
  /** Makes the pool's state after vm1's lease was taken; returns the generation the record holds. */
  readonly pool: (pool: string, held: number) => Promise<number | void> | void;
  /** The reader's wall clock, ms after the real one. */
  readonly clockAheadMs?: number;
  readonly reported: boolean;
  readonly log: RegExp;
}

const leaseOf = (pool: string, domain: string, host = "node1"): LeaseContext => ({ fs: realLeaseFs, leaseDir: pool, domain, host, timeoutMs: 60_000, now: Date.now });
const fenceBy = (pool: string, domain: string, state: "announced" | "confirmed", generation?: number) =>
  noteFence({ fs: realLeaseFs, leaseDir: pool, domain, now: Date.now }, "node2", state, generation);
const noteFile = (pool: string, domain: string, generation: number) => join(domainLeaseDir(pool, domain), fenceFileName(generation));

const fenceRows: FenceRow[] = [
  { name: "fenced (announced): not reported", pool: async (pool) => void (await fenceBy(pool, "vm1", "announced")), reported: false, log: /domain vm1 went: fenced by node2 \(fence announced \d+ s ago, lease generation 1\)/ },
  {
    name: "fenced (confirmed): not reported",
    pool: async (pool) => {
      await fenceBy(pool, "vm1", "announced");
      await fenceBy(pool, "vm1", "confirmed", 1);
    },
    reported: false,
    log: /fenced by node2 \(fence confirmed/,
  },
  {
    name: "a fence of another domain: reported",
    pool: async (pool) => {
      await acquireLease(leaseOf(pool, "vm2"));
      await fenceBy(pool, "vm2", "announced");
    },
    reported: true,
    log: /vm1 \(id 1\) died and nothing of ours explains it: no monitoring process restarts it; reporting/,
  },
  {
    name: "another domain's note in vm1's place: reported",
    pool: async (pool) => {
      await acquireLease(leaseOf(pool, "vm2"));
      await fenceBy(pool, "vm2", "announced");
      execFileSync("cp", [noteFile(pool, "vm2", 1), noteFile(pool, "vm1", 1)]);
    },
    reported: true,
    log: /nothing of ours explains it: no monitoring process restarts it; reporting/,
  },
  {
    name: "a fence of an earlier generation (the lease taken again since): reported",
    pool: async (pool) => {
      await fenceBy(pool, "vm1", "announced");
      await fenceBy(pool, "vm1", "confirmed", 1);
      const again = await acquireLease(leaseOf(pool, "vm1"));
      return again.outcome === "acquired" ? again.lease.generation : 0;
    },
    reported: true,
    log: /nothing of ours explains it: no monitoring process restarts it; reporting/,
  },
  { name: "a stale note (an earlier fence): reported", pool: async (pool) => void (await fenceBy(pool, "vm1", "announced")), clockAheadMs: FENCE_NOTE_WINDOW_MS + 60_000, reported: true, log: /nothing of ours explains it: no monitoring process restarts it; reporting/ },
  { name: "no note: reported", pool: () => {}, reported: true, log: /nothing of ours explains it: no monitoring process restarts it; reporting/ },
  {
    name: "a FIFO in the note's place: reported with the reason, no hang",
    pool: (pool) => void execFileSync("mkfifo", [noteFile(pool, "vm1", 1)]),
    reported: true,
    log: /whether it was fenced is not known: fence note \S+fence-000000000001 is a fifo, not a regular file; reporting/,
  },
  {
    name: "a FIFO in the domain's note directory's place: reported with the reason, no hang",
    pool: (pool) => {
      execFileSync("rm", ["-r", "--", domainLeaseDir(pool, "vm1")]);
      execFileSync("mkfifo", [domainLeaseDir(pool, "vm1")]);
    },
    reported: true,
    log: /whether it was fenced is not known: fence note \S+ cannot be read on this host \(.*Not a directory\)/,
  },
  {
    name: "a torn note: reported with the reason",
    pool: (pool) => writeFileSync(noteFile(pool, "vm1", 1), "xen-ha-fence 1\ndomain=vm1\n"),
    reported: true,
    log: /whether it was fenced is not known: fence note \S+: no checksum line \(torn write\?\)/,
  },
];

for (const row of fenceRows) {
  t.test(`fence: ${row.name}`, async (t) => {
    const pool = t.testdir();
    const taken = await acquireLease(leaseOf(pool, "vm1"));
    t.equal(taken.outcome, "acquired", "vm1's lease taken");
    const held = (await row.pool(pool, 1)) ?? 1;
    const { s, watcher, event, initial, failCalls } = stage();
    t.teardown(() => watcher.stop());
    s.records = [{ resource: "vm1", name: "vm1", domid: 1, leaving: undefined, lease: { dir: pool, generation: held } }];
    const read = (path: string, limits: { readonly maxBytes: number; readonly timeoutMs: number }) => readUserFile(runCommand, path, { ...limits, env: process.env });
    s.fenceNote = fenceNoteReader(read, () => Date.now() + (row.clockAheadMs ?? 0));
    await initial();
    s.domains = { 2: "vm2" };
    await event();
    t.same(failCalls(), row.reported ? [FAIL_VM1] : [], row.reported ? "reported" : "not reported");
    t.match(s.logs.join(""), row.log);
  });
}

t.test("fence: a pool that does not answer: reported with the reason, within the read's bound", async (t) => {
  const { s, watcher, event, initial, failCalls } = stage();
  t.teardown(() => watcher.stop());
  s.records = [{ resource: "vm1", name: "vm1", domid: 1, leaving: undefined, lease: { dir: "/pool", generation: 3 } }];
  const bounds: number[] = [];
  // a hung mount as the bounded reader sees it: its child is killed at the timeout it was given
  const hung = async (_file: string, _args: readonly string[], options: CommandOptions): Promise<CommandResult> => {
    bounds.push(options.timeoutMs);
    return result({ exitCode: undefined, signal: "SIGKILL", timedOut: true });
  };
  s.fenceNote = fenceNoteReader((path, limits) => readUserFile(hung, path, { ...limits, env: {} }), Date.now);
  await initial();
  s.domains = { 2: "vm2" };
  await event();
  t.same(failCalls(), [FAIL_VM1]);
  t.match(s.logs.join(""), /whether it was fenced is not known: fence note \/pool\/vm1\/fence-000000000003 did not answer within 2000 ms/);
  t.ok(bounds.length > 0 && bounds.every((ms) => ms > 0 && ms <= FENCE_READ_MS), "each child bounded by the fence read's time");
});

t.test("records: the lease XenDomain holds comes from its .lease.json, only with its directory", async (t) => {
  const dir = t.testdir();
  const record = (instance: string, domid: number) => writeFileSync(join(dir, `XenDomain-${instance}.json`), JSON.stringify({ runningDomid: domid, runningName: instance, utilization: {} }));
  record("vm1", 1);
  record("vm2", 2);
  record("vm3", 3);
  writeFileSync(join(dir, "XenDomain-vm1.lease.json"), JSON.stringify({ generation: 7, renewedAt: 1, leaseDir: "/srv/pool" }));
  writeFileSync(join(dir, "XenDomain-vm2.lease.json"), JSON.stringify({ generation: 7, renewedAt: 1 }));
  writeFileSync(join(dir, "XenDomain-vm3.lease.json"), "{}\n");
  mkdirSync(join(dir, "XenDomain-vm4.json"));
  const leases = Object.fromEntries(watchedResources(dir).map((r) => [r.resource, r.lease]));
  t.same(leases, { vm1: { dir: "/srv/pool", generation: 7 }, vm2: undefined, vm3: undefined });
});

t.test("records: the cached list is read again whenever a record is renamed into place", async (t) => {
  const dir = t.testdir();
  const record = (instance: string, domid: number) => {
    writeFileSync(join(dir, "tmp"), JSON.stringify({ runningDomid: domid, runningName: instance, utilization: {} }));
    renameSync(join(dir, "tmp"), join(dir, `XenDomain-${instance}.json`));
  };
  record("vm1", 1);
  let clock = Date.now();
  const records = cachedResources(dir, () => clock);
  const domids = () => records().map((r) => `${r.resource}:${r.domid}`).sort();
  t.same(domids(), ["vm1:1"]);
  record("vm1", 5); // right after the listing: the same coarse mtime is possible, so that listing was not kept
  t.same(domids(), ["vm1:5"], "a change within the racy window is seen");
  clock = Date.now() + RACY_MS + 100; // listings now trusted while the directory stays as it is
  t.same(domids(), ["vm1:5"]);
  writeFileSync(join(dir, "XenDomain-vm1.json"), JSON.stringify({ runningDomid: 9, runningName: "vm1" })); // in place: no writer of ours does this
  t.same(domids(), ["vm1:5"], "an in-place write leaves the directory as it was: the listing kept is used");
  record("vm2", 2);
  t.same(domids(), ["vm1:9", "vm2:2"], "a rename is seen, and everything is read again");
  rmSync(dir, { recursive: true });
  t.same(records(), [], "no directory: none");
});

t.test("stop ends the watcher", async (t) => {
  const { watcher } = stage();
  watcher.stop();
  await watcher.done;
  t.pass("done resolved");
});

t.test("xenstore-ls -f parsing: names only, Domain-0 left out, odd names kept", async (t) => {
  const text = [
    '/local/domain/0/name = "Domain-0"',
    '/local/domain/3 = ""',
    '/local/domain/3/name = "vm with spaces"',
    '/local/domain/4/name = "-dash"',
    '/local/domain/5/device/name = "not a domain name"',
    '/local/domain/6/name = ""',
    "garbage",
  ].join("\n");
  t.same([...namesFromLs(text)], [
    [3, "vm with spaces"],
    [4, "-dash"],
    [6, ""],
  ]);
});

t.test("watch-domains arguments", async (t) => {
  t.same(parseWatcherArgs(["--node", "n1", "--state-dir", "/run/x"]), { node: "n1", stateDir: "/run/x" });
  for (const bad of [[], ["--node", "n1"], ["--node"], ["--node", "", "--state-dir", "/x"], ["--bogus", "x", "--node", "n", "--state-dir", "/x"]]) {
    t.type(parseWatcherArgs(bad), "string", JSON.stringify(bad));
  }
});
