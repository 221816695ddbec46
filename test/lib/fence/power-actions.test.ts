import t from "tap";
import { createDeadline } from "../../../lib/ocf/deadline.ts";
import { genericError } from "../../../lib/ocf/exit-code.ts";
import { createLogger } from "../../../lib/ocf/logger.ts";
import { runPowerAction, type PlugState, type PowerDevice } from "../../../lib/fence/power-actions.ts";

/**
 * A device whose power state the test scripts: `states` are the answers of
 * successive status calls (the last one repeats); "error" means the device
 * could not tell. Every call is recorded, so each row states what happened.
 */
function fakeDevice(states: readonly (PlugState | "error")[], failures: { off?: string; on?: string } = {}) {
  const calls: string[] = [];
  let next = 0;
  const device: PowerDevice = {
    async status() {
      const state = states[Math.min(next++, states.length - 1)] ?? "error";
      calls.push(`status=${state}`);
      if (state === "error") throw genericError("dom0 does not answer");
      return state;
    },
    async powerOff() {
      calls.push("powerOff");
      if (failures.off) throw genericError(failures.off);
    },
    async powerOn() {
      calls.push("powerOn");
      if (failures.on) throw genericError(failures.on);
    },
    describeMissing: () => "it lists vm2",
    async list() {
      calls.push("list");
      return [{ plug: "vm1", alias: "", state: "on" }, { plug: "vm2", alias: "", state: "on" }];
    },
    async monitor() {
      calls.push("monitor");
    },
    async beforeOff() {
      calls.push("beforeOff");
    },
    async afterOff() {
      calls.push("afterOff");
    },
  };
  return { device, calls };
}

/** Timing on a fake clock: sleeping moves time forward at once, so a 20 s wait takes no real time.
 *  Checks come after 0.1, 0.2, 0.4, 0.8 s, then every second: 23 checks fit in 20 s. */
function timing(powerTimeoutS = 20, missingAsOff = false) {
  let now = 0;
  return {
    delayMs: 0,
    powerTimeoutMs: powerTimeoutS * 1000,
    powerWaitMs: 0,
    retryOn: 1,
    missingAsOff,
    separator: ",",
    deadline: createDeadline(120_000, () => now),
    sleep: async (ms: number) => {
      now += ms;
    },
    log: createLogger("test", {}, () => {}),
  };
}

type Row = {
  readonly name: string;
  readonly action: Parameters<typeof runPowerAction>[0];
  readonly states: readonly (PlugState | "error")[];
  readonly failures?: { off?: string; on?: string };
  readonly missingAsOff?: boolean;
  readonly code?: number;
  readonly lines?: readonly string[];
  readonly error?: RegExp;
  readonly calls: readonly string[];
};

const rows: readonly Row[] = [
  { name: "status of a running domain", action: "status", states: ["on"], code: 0, lines: ["Status: ON"], calls: ["status=on"] },
  { name: "status of an absent domain exits 2", action: "status", states: ["off"], code: 2, lines: ["Status: OFF"], calls: ["status=off"] },
  { name: "status that cannot be proven fails", action: "status", states: ["error"], error: /does not answer/, calls: ["status=error"] },
  {
    name: "status of a plug the device does not know fails, naming what it knows",
    action: "status",
    states: ["missing"],
    error: /vm1 is not known to the device \(it lists vm2\); check the plug, or set missing_as_off/,
    calls: ["status=missing"],
  },
  { name: "with missing_as_off, a missing plug's status is OFF", action: "status", states: ["missing"], missingAsOff: true, code: 2, lines: ["Status: OFF"], calls: ["status=missing"] },
  {
    name: "off of a plug the device does not know fails before any kill",
    action: "off",
    states: ["missing"],
    error: /vm1 is not known to the device/,
    calls: ["beforeOff", "status=missing"],
  },
  {
    name: "reboot of a plug the device does not know fails before any kill or start",
    action: "reboot",
    states: ["missing"],
    error: /vm1 is not known to the device/,
    calls: ["beforeOff", "status=missing"],
  },
  {
    name: "with missing_as_off, off of a missing plug is already off",
    action: "off",
    states: ["missing"],
    missingAsOff: true,
    code: 0,
    lines: ["Success: Already OFF"],
    calls: ["beforeOff", "status=missing", "afterOff"],
  },
  {
    name: "after its own kill, a plug gone from the device is off (a destroyed domain leaves no trace)",
    action: "off",
    states: ["on", "missing"],
    code: 0,
    lines: ["Success: Powered OFF"],
    calls: ["beforeOff", "status=on", "powerOff", "status=missing", "afterOff"],
  },
  {
    name: "on starts from a missing plug (the device refuses one it cannot create)",
    action: "on",
    states: ["missing", "on"],
    code: 0,
    lines: ["Success: Powered ON"],
    calls: ["status=missing", "powerOn", "status=on"],
  },
  {
    name: "off: announce, kill, verify, confirm",
    action: "off",
    states: ["on", "off"],
    code: 0,
    lines: ["Success: Powered OFF"],
    calls: ["beforeOff", "status=on", "powerOff", "status=off", "afterOff"],
  },
  {
    name: "off of a domain already off succeeds without a kill",
    action: "off",
    states: ["off"],
    code: 0,
    lines: ["Success: Already OFF"],
    calls: ["beforeOff", "status=off", "afterOff"],
  },
  {
    name: "off waits while the domain is still there, then succeeds",
    action: "off",
    states: ["on", "on", "on", "off"],
    code: 0,
    calls: ["beforeOff", "status=on", "powerOff", "status=on", "status=on", "status=off", "afterOff"],
  },
  {
    name: "off that is never verified fails after power_timeout, with no confirmation",
    action: "off",
    states: ["on"],
    error: /Timed out waiting to power OFF after 20 s: vm1 is still on/,
    calls: ["beforeOff", "status=on", "powerOff", ...Array<string>(23).fill("status=on")],
  },
  {
    name: "off whose dom0 stops answering cannot be verified: a failure, not a success",
    action: "off",
    states: ["on", "error"],
    error: /Timed out waiting to power OFF after 20 s: dom0 does not answer/,
    calls: ["beforeOff", "status=on", "powerOff", ...Array<string>(23).fill("status=error")],
  },
  {
    name: "off whose first look fails does not kill blindly",
    action: "off",
    states: ["error"],
    error: /does not answer/,
    calls: ["beforeOff", "status=error"],
  },
  {
    name: "a failed kill is a failed fence",
    action: "off",
    states: ["on"],
    failures: { off: "xl destroy failed" },
    error: /xl destroy failed/,
    calls: ["beforeOff", "status=on", "powerOff"],
  },
  {
    name: "reboot: off, then on",
    action: "reboot",
    states: ["on", "off", "on"],
    code: 0,
    lines: ["Success: Rebooted"],
    calls: ["beforeOff", "status=on", "powerOff", "status=off", "afterOff", "powerOn", "status=on"],
  },
  {
    name: "reboot succeeds when off did, even if on fails",
    action: "reboot",
    states: ["on", "off"],
    failures: { on: "no config file" },
    code: 0,
    lines: ["Success: Rebooted"],
    calls: ["beforeOff", "status=on", "powerOff", "status=off", "afterOff", "powerOn"],
  },
  {
    name: "reboot fails when off fails",
    action: "reboot",
    states: ["on"],
    failures: { off: "permission denied" },
    error: /permission denied/,
    calls: ["beforeOff", "status=on", "powerOff"],
  },
  {
    name: "on of a running domain is already on",
    action: "on",
    states: ["on"],
    code: 0,
    lines: ["Success: Already ON"],
    calls: ["status=on"],
  },
  {
    name: "on never starts a domain whose state is unknown",
    action: "on",
    states: ["error"],
    error: /does not answer/,
    calls: ["status=error"],
  },
  { name: "monitor asks the device", action: "monitor", states: [], code: 0, lines: [], calls: ["monitor"] },
  { name: "list prints plug,alias", action: "list", states: [], code: 0, lines: ["vm1,", "vm2,"], calls: ["list"] },
  { name: "list-status adds the state", action: "list-status", states: [], code: 0, lines: ["vm1,,ON", "vm2,,ON"], calls: ["list"] },
];

for (const row of rows) {
  t.test(row.name, async (t) => {
    const { device, calls } = fakeDevice(row.states, row.failures);
    const run = runPowerAction(row.action, "vm1", device, timing(20, row.missingAsOff));
    if (row.error) {
      await t.rejects(run, row.error);
    } else {
      const outcome = await run;
      t.equal(outcome.code, row.code);
      if (row.lines) t.same(outcome.lines, row.lines);
    }
    t.same(calls, row.calls);
  });
}

t.test("delay is waited before off, never before status", async (t) => {
  const slept: number[] = [];
  const base = timing();
  const withDelay = { ...base, delayMs: 5_000, sleep: async (ms: number) => void slept.push(ms) };
  await runPowerAction("status", "vm1", fakeDevice(["on"]).device, withDelay);
  t.same(slept, []);
  await runPowerAction("off", "vm1", fakeDevice(["off"]).device, withDelay);
  t.same(slept, [5_000]);
});
