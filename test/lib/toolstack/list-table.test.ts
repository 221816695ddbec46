import t from "tap";
import { parseXlList, parseXmList } from "../../../lib/toolstack/list-table.ts";
import { fixture } from "../../support/fixtures.ts";

const rowsOf = (text: string, parse: typeof parseXlList) => {
  const parsed = parse(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed;
};

t.test("xl list: the header's TABs, Domain-0 first, (null) rows have no name", async (t) => {
  const { rows } = rowsOf(fixture("xl/4.17/list.txt"), parseXlList);
  t.same(
    rows.map((r) => [r.name, r.domid, r.memoryMiB, r.vcpus, r.state.letters, r.cpuSeconds]),
    [
      ["Domain-0", 0, 4096, 8, "r-----", 1234.5],
      [undefined, 5, 0, 1, "--p--d", 3.1],
      ["vm1", 7, 1024, 2, "-b----", 12.3],
      ["vm1--incoming", 9, 1024, 2, "--p---", 0],
    ],
  );
});

t.test("xl list: real output recorded on a Devuan dom0", async (t) => {
  const { rows } = rowsOf(fixture("xl/4.17/list-devuan.txt"), parseXlList);
  t.same(rows.map((r) => [r.name, r.domid, r.memoryMiB, r.state.running]), [["Domain-0", 0, 768, true], ["freebsd", 1, 1152, true]]);
});

// Each state string of doc/xl-behaviour.md §1.3, and what it means.
const XL_STATES: Record<string, { letters: string; facts: Record<string, unknown> }> = {
  "vm-running": { letters: "r-----", facts: { running: true, paused: false, shutdown: false, crashed: false, dying: false } },
  "vm-blocked": { letters: "-b----", facts: { blocked: true, running: false, shutdown: false } },
  "vm-runnable": { letters: "------", facts: { running: false, blocked: false, paused: false, shutdown: false } },
  "vm-paused": { letters: "--p---", facts: { paused: true, shutdown: false } },
  "vm-shutdown": { letters: "---s--", facts: { shutdown: true, shutdownReason: "poweroff", crashed: false } },
  "vm-crashed": { letters: "---sc-", facts: { shutdown: true, shutdownReason: "crash", crashed: true } },
  "vm-suspended": { letters: "---ss-", facts: { shutdown: true, shutdownReason: "suspend", crashed: false } },
  "vm-rebooting": { letters: "---sr-", facts: { shutdown: true, shutdownReason: "reboot" } },
  "vm-watchdog": { letters: "---sw-", facts: { shutdown: true, shutdownReason: "watchdog" } },
  "vm-dying": { letters: "-b---d", facts: { dying: true, shutdown: false, shutdownReason: undefined } },
};

t.test("xl list: every state string decodes to what Xen means by it", async (t) => {
  const { rows } = rowsOf(fixture("xl/4.17/list-states.txt"), parseXlList);
  for (const [name, expected] of Object.entries(XL_STATES)) {
    const row = rows.find((r) => r.name === name);
    t.equal(row?.state.letters, expected.letters, `${name} letters`);
    t.match(row?.state, expected.facts, `${name} is ${expected.letters}`);
  }
  const zombie = rows.find((r) => r.name === undefined);
  t.match(zombie, { domid: 30, memoryMiB: 0, state: { dying: true, paused: true } }, "the (null) zombie");
});

t.test("xm list: real Oracle VM output and xm's own state letters", async (t) => {
  const real = rowsOf(fixture("xl/3.4-xm/list.txt"), parseXmList);
  t.same(real.rows.map((r) => [r.name, r.domid, r.memoryMiB, r.vcpus]), [
    ["Domain-0", 0, 1852, 8],
    ["vm16", 121, 2048, 8],
    ["vm24", 122, 2048, 8],
    ["vm8", 120, 2048, 8],
  ]);
  const states = rowsOf(fixture("xl/3.4-xm/list-states.txt"), parseXmList);
  const find = (name: string) => states.rows.find((r) => r.name === name)?.state;
  t.match(find("vm-crashed"), { crashed: true, shutdown: false, shutdownReason: "crash" }, "xm's crash is ----c-, without s");
  t.match(find("vm-paused"), { paused: true, crashed: false });
  t.match(find("vm-shutdown"), { shutdown: true, crashed: false });
  t.match(find("vm-dying"), { dying: true });
  t.same(states.inactive, ["vm-managed"], "a managed domain without an ID is not a running domain");
});

t.test("malformed tables are refused, not half-read", async (t) => {
  const cases: Record<string, string> = {
    "no header": "vm1 7 1024 2 -b---- 12.3\n",
    "empty output": "",
    "a truncated row": `${fixture("xl/4.17/list-vm1.txt")}vm2   8  1024\n`,
    "an unknown state letter": fixture("xl/4.17/list-vm1.txt").replace("-b----", "-x----"),
    "an xm crash letter in xl output": fixture("xl/4.17/list-vm1.txt").replace("-b----", "----c-"),
  };
  for (const [name, text] of Object.entries(cases)) {
    t.equal(parseXlList(text).ok, false, name);
  }
});
