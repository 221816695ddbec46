import t from "tap";
import { killHost, startHost } from "../../../lib/sim/index.ts";
import { fixture } from "../../support/fixtures.ts";
import { domainsOn, fence, fenceLab, labOptions, scriptHistory, startDomain, type FenceLab } from "./support.ts";

/**
 * A dom0 that does not answer (powered off: the simulator's ssh says "No
 * route to host"), and the dom0 cluster's fence history read on a dom0 that
 * answers. The answering dom0's `stonith_admin` is a script that prints
 * Pacemaker 2.1.5's recorded answer (test/fixtures/stonith-admin) with the
 * row's event in it; fence_xen's clock is fixed, so "after the fence began"
 * is exact. Only positive evidence makes a fence succeed.
 */
const NOW = Date.UTC(2026, 11, 3, 23, 49, 10);
const RECORDED = fixture("stonith-admin/history-fenced.xml").replace(/# exit \d+\n$/, "");
const NONE = fixture("stonith-admin/history-none.xml").replace(/# exit \d+\n$/, "");
const NOT_CONNECTED = fixture("stonith-admin/history-not-connected.xml").replace(/# exit \d+\n$/, "");
/** A fence of node1 under way, as `--verbose` lists it (recorded while the dom0 cluster fenced node1), retargeted at dom0a. */
const PENDING = fixture("stonith-admin/history-pending-verbose.xml").replace(/# exit \d+\n$/, "").replace('target="node1"', 'target="dom0a"');

/** The recorded event, with the row's target, action, status and completion (seconds after NOW). */
function event(change: { target?: string; action?: string; status?: string; afterS?: number }): string {
  const at = new Date(NOW + (change.afterS ?? 5) * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  return RECORDED.replace('action="reboot"', `action="${change.action ?? "reboot"}"`)
    .replace('target="node1"', `target="${change.target ?? "dom0a"}"`)
    .replace('status="success"', `status="${change.status ?? "success"}"`)
    .replace('completed="2026-12-03 23:49:15Z"', `completed="${at}"`);
}

/** The mean gap between successive reads, ms. */
const meanGapMs = (starts: readonly number[]): number => (starts.length < 2 ? Number.POSITIVE_INFINITY : ((starts.at(-1) as number) - (starts[0] as number)) / (starts.length - 1));

/** vm1 ran on dom0a, which lost power; dom0b answers and runs `others`. */
async function deadDom0(t: { teardown(fn: () => void | Promise<void>): void }, others: readonly string[] = []): Promise<FenceLab> {
  const lab = fenceLab(t, ["dom0a", "dom0b"]);
  await startDomain(lab, "dom0a", "vm1");
  for (const name of others) await startDomain(lab, "dom0b", name);
  killHost(lab.root, "dom0a");
  return lab;
}

const OFF = (lab: FenceLab, extra: Record<string, string> = {}) => ({ ...labOptions(lab), action: "off", port: "vm1", missing_as_off: "1", power_timeout: "1", ...extra });
const deps = { now: () => NOW };

t.test("off of a guest whose dom0 does not answer: the dom0 cluster's history decides", async (t) => {
  const rows: readonly { name: string; reply: string; code?: number; extra?: Record<string, string>; ok: boolean; why?: RegExp }[] = [
    { name: "fenced (reboot) after the fence began", reply: event({}), ok: true },
    { name: "fenced (off) after the fence began", reply: event({ action: "off" }), ok: true },
    { name: "no fence on record", reply: NONE, ok: false, why: /the dom0 cluster has not fenced dom0a since 2026-12-03T23:49:/ },
    { name: "fenced before this fence began", reply: event({ afterS: -60 }), ok: false, why: /has not fenced dom0a/ },
    { name: "a failed fence", reply: event({ status: "failed" }), ok: false, why: /has not fenced dom0a/ },
    { name: "a pending fence", reply: event({ status: "pending" }), ok: false, why: /has not fenced dom0a/ },
    { name: "a pending fence, as recorded (no completed time)", reply: PENDING, ok: false, why: /has not fenced dom0a/ },
    { name: "an 'on' of that dom0", reply: event({ action: "on" }), ok: false, why: /has not fenced dom0a/ },
    { name: "another node named", reply: event({ target: "dom0b" }), ok: false, why: /has not fenced dom0a/ },
    { name: "a case variant of its name", reply: event({ target: "DOM0A" }), ok: false, why: /has not fenced dom0a/ },
    { name: "a longer name", reply: event({ target: "dom0ab" }), ok: false, why: /has not fenced dom0a/ },
    { name: "the fencer does not answer (exit 102)", reply: NOT_CONNECTED, code: 102, ok: false, why: /its fence history could not be read: dom0b: stonith_admin --history=dom0a --verbose --output-as=xml \(on dom0b via ssh\): exit 102/ },
    { name: "a history with exit 1", reply: event({}), code: 1, ok: false, why: /could not be read/ },
    { name: "output cut short", reply: event({}).slice(0, 150), ok: false, why: /could not be read: stonith_admin printed no readable XML/ },
    { name: "text instead of XML", reply: "reboot of dom0a successful: delegate=dom0b, completed='2026-12-03 23:49:15Z'\n1 event found\n", ok: false, why: /could not be read/ },
    { name: "mapped: the history names the dom0's node name", reply: event({ target: "xen01" }), extra: { dom0_node_map: "dom0a=xen01" }, ok: true },
    { name: "mapped: the history names the dom0_list entry, not the node", reply: event({}), extra: { dom0_node_map: "dom0a=xen01" }, ok: false, why: /has not fenced xen01/ },
    { name: "dom0_fence_history=false: no history asked", reply: event({}), extra: { dom0_fence_history: "false" }, ok: false, why: /No route to host$/m },
  ];
  for (const row of rows) {
    await t.test(row.name, async (t) => {
      const lab = await deadDom0(t);
      const history = scriptHistory(lab, row.reply, row.code);
      const run = await fence(lab, OFF(lab, row.extra), { deps });
      if (row.ok) {
        t.equal(run.code, 0, run.stderr);
        t.equal(run.stdout, "Success: Already OFF\n");
        t.match(run.stderr, /dom0a does not answer, but the dom0 cluster fenced it after this fence began/);
      } else {
        t.equal(run.code, 1, "no evidence: the fence fails");
        t.equal(run.stdout, "");
        t.match(run.stderr, /Failed: cannot tell whether vm1 runs: dom0a: xl list \(on dom0a via ssh\): exit 255: ssh: connect to host dom0a port 22: No route to host/);
        if (row.why) t.match(run.stderr, row.why);
      }
      const calls = history.calls();
      if (row.extra?.["dom0_fence_history"] === "false") t.same(calls, [], "stonith_admin never ran");
      else t.ok(calls.length >= 1 && calls.every((c) => /^--history=(dom0a|xen01) --verbose --output-as=xml$/.test(c)), `asked as ${calls[0]} (${calls.length}x)`);
    });
  }
});

t.test("without missing_as_off, a fenced dom0 is a dom0 without the domain: the plug is missing, not off", async (t) => {
  const lab = await deadDom0(t, ["vm2"]);
  scriptHistory(lab, event({}));
  const run = await fence(lab, { ...OFF(lab), missing_as_off: "0" }, { deps });
  t.equal(run.code, 1);
  t.match(run.stderr, /vm1 is not known to the device \(the dom0s list "vm2"\)/);
});

t.test("a mistyped plug is no more 'off' than before: only missing_as_off makes it so", async (t) => {
  const lab = await deadDom0(t, ["vm2"]);
  scriptHistory(lab, event({}));
  const run = await fence(lab, { ...OFF(lab), port: "vm-2", missing_as_off: "0" }, { deps });
  t.equal(run.code, 1, run.stdout);
  t.same(domainsOn(lab, "dom0b"), ["vm2"], "the guest that runs was not touched");
});

t.test("the guest has a copy on the dom0 that answers: it is destroyed, the fenced dom0 counts as empty", async (t) => {
  const lab = await deadDom0(t, ["vm1--incoming"]);
  scriptHistory(lab, event({}));
  const run = await fence(lab, OFF(lab), { deps });
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout, "Success: Powered OFF\n");
  t.same(domainsOn(lab, "dom0b"), []);
});

t.test("reboot: the on half never tries the fenced dom0 it cannot ask; the next dom0 gets the guest", async (t) => {
  const lab = await deadDom0(t);
  scriptHistory(lab, event({}));
  const run = await fence(lab, { ...OFF(lab), action: "reboot" }, { deps });
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout, "Success: Rebooted\n");
  t.match(run.stderr, /vm1 created on dom0b/);
  t.notMatch(run.stderr, /create of vm1 failed on dom0a/);
  t.same(domainsOn(lab, "dom0b"), ["vm1"]);
});

t.test("the fence comes while off waits: it succeeds then, within power_timeout", async (t) => {
  const lab = await deadDom0(t);
  const history = scriptHistory(lab, NONE, 0, event({}));
  const run = await fence(lab, { ...OFF(lab), power_timeout: "10" }, { deps });
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout, "Success: Already OFF\n");
  t.ok(history.calls().length >= 2, `a later read found the fence, and ended the wait (${history.calls().length} reads)`);
});

t.test("no fence comes: off gives up after power_timeout, naming what the history said", async (t) => {
  const lab = await deadDom0(t);
  scriptHistory(lab, NONE);
  const run = await fence(lab, { ...OFF(lab), power_timeout: "1" }, { deps });
  t.equal(run.code, 1);
  t.ok(run.ms >= 900, `waited ${run.ms} ms`);
  t.match(run.stderr, /has not fenced dom0a/);
});

t.test("while no fence is under way, reads keep their pace: one per 250 ms, however fast each read is", async (t) => {
  const lab = await deadDom0(t);
  const history = scriptHistory(lab, NONE);
  const run = await fence(lab, { ...OFF(lab), power_timeout: "2" }, { deps });
  t.equal(run.code, 1);
  // the first read, then one every 250 ms while the 2 s wait lasts: a read finishing never starts the next early
  const reads = history.calls().length;
  t.ok(reads >= 2 && reads <= 1 + Math.ceil(2_000 / 250) + 1, `${reads} reads in ${run.ms} ms`);
});

t.test("a fence under way (pending in the history): reads quicken, and its record ends the wait", async (t) => {
  const lab = await deadDom0(t);
  // pending for the first 12 reads, then done: at one read per 250 ms that would take 3 s, beyond power_timeout
  const history = scriptHistory(lab, PENDING, 0, event({}), 13);
  const run = await fence(lab, { ...OFF(lab), power_timeout: "3" }, { deps });
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout, "Success: Already OFF\n");
  const starts = history.startsMs().slice(0, 13);
  t.ok(meanGapMs(starts) < 250, `reads while pending ${Math.round(meanGapMs(starts))} ms apart (${history.calls().length} reads, ${run.ms} ms)`);
});

t.test("a fence under way that then fails: the pace slows again, and off fails with what the history said", async (t) => {
  const lab = await deadDom0(t);
  // pending for the first 2 reads, then the dom0 cluster's fence failed
  const history = scriptHistory(lab, PENDING, 0, event({ status: "failed" }), 3);
  const run = await fence(lab, { ...OFF(lab), power_timeout: "2" }, { deps });
  t.equal(run.code, 1);
  t.match(run.stderr, /has not fenced dom0a/);
  const reads = history.calls().length;
  t.ok(reads >= 3 && reads <= 2 + Math.ceil(2_000 / 250) + 2, `${reads} reads in ${run.ms} ms`);
});

t.test("the silent dom0 answers again while off waits: its own answer decides", async (t) => {
  const lab = await deadDom0(t);
  const history = scriptHistory(lab, NONE);
  // dom0a boots once fence_xen has found it silent and read the history (which shows no fence)
  const boot = setInterval(() => {
    if (history.calls().length === 0) return;
    clearInterval(boot);
    startHost(lab.root, "dom0a");
  }, 20);
  t.teardown(() => clearInterval(boot));
  const run = await fence(lab, { ...OFF(lab), power_timeout: "5" }, { deps });
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout, "Success: Already OFF\n", "the rebooted dom0 lists no vm1");
  t.notMatch(run.stderr, /fenced it after this fence began/);
  t.ok(history.calls().length >= 1);
});

t.test("status looks once: it does not wait for a silent dom0", async (t) => {
  const lab = await deadDom0(t);
  const history = scriptHistory(lab, NONE);
  const run = await fence(lab, { ...OFF(lab), action: "status", power_timeout: "5" }, { deps });
  t.equal(run.code, 1);
  t.ok(run.ms < 2_000, `answered in ${run.ms} ms`);
  t.equal(history.calls().length, 1, "one history read");
  history.reply(event({}));
  const fenced = await fence(lab, { ...OFF(lab), action: "status" }, { deps });
  t.match(fenced, { code: 2, stdout: "Status: OFF\n" }, "with the fence on record, the guest is off");
});

t.test("no dom0 answers: there is nobody to ask, the fence fails", async (t) => {
  const lab = await deadDom0(t);
  const history = scriptHistory(lab, event({}));
  killHost(lab.root, "dom0b");
  const run = await fence(lab, OFF(lab), { deps });
  t.equal(run.code, 1);
  t.same(history.calls(), []);
});

t.test("validate-all: dom0_node_map names only dom0_list entries", async (t) => {
  const lab = fenceLab(t, ["dom0a", "dom0b"]);
  const run = await fence(lab, { ...labOptions(lab), action: "validate-all", dom0_node_map: "dom0a=xen01 dom0c=xen03" });
  t.equal(run.code, 1);
  t.match(run.stderr, /dom0_node_map: "dom0c" is not in dom0_list/);
  const bad = await fence(lab, { ...labOptions(lab), action: "validate-all", dom0_node_map: "dom0a:xen01" });
  t.equal(bad.code, 1);
  t.match(bad.stderr, /dom0_node_map/);
});
