import t from "tap";
import { completedMs, dom0NodeMapProblem, dom0NodeNames, fencedAfter, readHistory, type HostFence } from "../../../agents/fence-xen/host-fences.ts";
import { fixture } from "../../support/fixtures.ts";

/**
 * Reading the dom0 cluster's fence history from stonith_admin's own output
 * (recorded from Pacemaker 2.1.5: test/fixtures/stonith-admin/README.md),
 * and the one rule that turns it into evidence: an off or reboot of exactly
 * that node, a success, completed after the fence began.
 */
const recorded = (name: string): { exitCode: number; stdout: string } => {
  const text = fixture(`stonith-admin/${name}`);
  const match = /# exit (\d+)\n$/.exec(text);
  if (!match) throw new Error(`${name}: no exit line`);
  return { exitCode: Number(match[1]), stdout: text.slice(0, match.index) };
};
const read = (result: { exitCode: number | undefined; stdout: string }) => readHistory(result, () => `exit ${result.exitCode}`);

/** When fence_lab's reboot of node1 completed in the recording: 2026-12-03 23:49:15Z, whole seconds. */
const RECORDED_FENCE = Date.UTC(2026, 11, 3, 23, 49, 15);

t.test("stonith_admin's recorded answers read as histories", async (t) => {
  const rows: readonly { file: string; fences: readonly HostFence[] | "unreadable" }[] = [
    { file: "history-none.xml", fences: [] },
    { file: "history-fenced.xml", fences: [{ action: "reboot", target: "node1", status: "success", completedMs: RECORDED_FENCE }] },
    { file: "history-fenced-verbose.xml", fences: [{ action: "reboot", target: "node1", status: "success", completedMs: RECORDED_FENCE }] },
    { file: "history-all.xml", fences: [{ action: "reboot", target: "node1", status: "success", completedMs: RECORDED_FENCE }] },
    { file: "history-upper.xml", fences: [] },
    { file: "history-other.xml", fences: [] },
    { file: "history-unknown.xml", fences: [] },
    { file: "history-not-connected.xml", fences: "unreadable" },
    // the text format is not what fence_xen asks for: it never reads as a history
    { file: "history-fenced.txt", fences: "unreadable" },
    { file: "history-none.txt", fences: "unreadable" },
  ];
  for (const row of rows) {
    const history = await read(recorded(row.file));
    if (row.fences === "unreadable") t.notOk(history.ok, `${row.file}: no history`);
    else t.same(history, { ok: true, fences: row.fences }, row.file);
  }
});

t.test("output that is not Pacemaker's history is no history", async (t) => {
  const fenced = recorded("history-fenced.xml").stdout;
  const rows: readonly { name: string; exitCode: number | undefined; stdout: string }[] = [
    { name: "exit 0, nothing printed", exitCode: 0, stdout: "" },
    { name: "a history with a non-zero exit", exitCode: 1, stdout: fenced },
    { name: "killed (no exit code)", exitCode: undefined, stdout: fenced },
    { name: "cut short", exitCode: 0, stdout: fenced.slice(0, 200) },
    { name: "status code not 0", exitCode: 0, stdout: fenced.replace('code="0"', 'code="105"') },
    { name: "no status", exitCode: 0, stdout: fenced.replace(/ *<status[^>]*\/>\n/, "") },
    { name: "another list", exitCode: 0, stdout: fenced.replace('name="fencing history"', 'name="nodes"') },
    { name: "another root", exitCode: 0, stdout: fenced.replaceAll("pacemaker-result", "crm_mon") },
    { name: "a command not found", exitCode: 127, stdout: "" },
  ];
  for (const row of rows) t.notOk((await read(row)).ok, row.name);
});

t.test("completed: Pacemaker's time with its zone, whole seconds; anything else is no time", async (t) => {
  const rows: readonly [string, number | undefined][] = [
    ["2026-12-03 23:49:15Z", RECORDED_FENCE],
    ["2026-12-03 23:49:15.250Z", RECORDED_FENCE],
    ["2026-12-04 00:49:15 +01:00", RECORDED_FENCE],
    ["2026-12-03 22:49:15-0100", RECORDED_FENCE],
    ["2026-12-03T23:49:15Z", undefined],
    ["2026-12-03 23:49:15", undefined],
    ["Thu Dec  3 23:49:15 2026", undefined],
    ["1796341755", undefined],
    ["", undefined],
    [" 2026-12-03 23:49:15Z", undefined],
  ];
  for (const [text, ms] of rows) t.equal(completedMs(text), ms, JSON.stringify(text));
  t.equal(completedMs(undefined), undefined, "absent");
});

t.test("evidence: only a successful off or reboot of exactly that node, completed after the fence began", async (t) => {
  const since = RECORDED_FENCE - 5_000;
  const fence = (change: Partial<HostFence>): HostFence => ({ action: "reboot", target: "node1", status: "success", completedMs: RECORDED_FENCE, ...change });
  const rows: readonly { name: string; fences: readonly HostFence[]; evidence: boolean }[] = [
    { name: "fenced (reboot) after the fence began", fences: [fence({})], evidence: true },
    { name: "fenced (off) after the fence began", fences: [fence({ action: "off" })], evidence: true },
    { name: "no fence on record", fences: [], evidence: false },
    { name: "fenced before the fence began", fences: [fence({ completedMs: since - 1_000 })], evidence: false },
    { name: "fenced in the second the fence began (its time is whole seconds)", fences: [fence({ completedMs: since })], evidence: false },
    { name: "another node fenced", fences: [fence({ target: "node2" })], evidence: false },
    { name: "a case variant of the node's name", fences: [fence({ target: "NODE1" })], evidence: false },
    { name: "a longer name", fences: [fence({ target: "node10" })], evidence: false },
    { name: "a failed fence", fences: [fence({ status: "failed" })], evidence: false },
    { name: "a pending fence", fences: [fence({ status: "pending", completedMs: undefined })], evidence: false },
    { name: "an 'on' (unfencing)", fences: [fence({ action: "on" })], evidence: false },
    { name: "a time that did not read", fences: [fence({ completedMs: undefined })], evidence: false },
    { name: "an old success and a new failure", fences: [fence({ completedMs: since - 60_000 }), fence({ status: "failed" })], evidence: false },
    { name: "a failure, then the success", fences: [fence({ status: "failed", completedMs: since + 1_000 }), fence({})], evidence: true },
  ];
  for (const row of rows) t.equal(fencedAfter(row.fences, "node1", since) !== undefined, row.evidence, row.name);
});

t.test("dom0_node_map: DOM0=NODE entries; an entry not mapped is its own name, 'local' none", async (t) => {
  t.equal(dom0NodeMapProblem("10.0.0.1=xen01 10.0.0.2=xen02"), undefined);
  t.equal(dom0NodeMapProblem("local=xen01,xen02=xen02"), undefined);
  t.equal(dom0NodeMapProblem("fe80::1=xen01"), undefined, "an IPv6 address: '=' is the separator, not ':'");
  for (const bad of ["xen01", "a=b=c", "=xen01", "xen01=", "-oProxyCommand=x=y", "a=-b", "a=b a=b", "a=*", "a=b;c=d", ""]) {
    t.type(dom0NodeMapProblem(bad), "string", `${JSON.stringify(bad)} refused`);
  }
  const nodeOf = dom0NodeNames("10.0.0.1=xen01 local=xen03");
  t.equal(nodeOf("10.0.0.1"), "xen01");
  t.equal(nodeOf("xen02"), "xen02");
  t.equal(nodeOf("local"), "xen03");
  t.equal(dom0NodeNames(undefined)("local"), undefined);
});
