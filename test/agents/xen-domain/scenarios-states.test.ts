import t from "tap";
import { killMonitor, stopGuest } from "../../../lib/sim/index.ts";
import { opTimeout, playTable, probe, recurring, until, type Scenario, type Step } from "./scenario-table.ts";

/**
 * XenDomain against a simulated host, per domain state, with xl and with xm:
 * what each action answers and what it leaves behind.
 */
/** An absence is believed at once unless the toolstack is restarting the domain (restart-evidence.ts). */
const NO_RECHECK_MS = 3_500;
const running = (state: string) => /^[-r][-b]----$/.test(state);

/** xl's monitoring process sleeps 2 s between destroy and re-create; stretched to 2 s of real time here. */
const stretchedGap = { host: { knobs: { timing: { restartGapMs: 40_000 } } } };
/** A started domain reboots itself and xl has destroyed it: the next action runs inside the gap. */
const insideRebootGap: readonly Step[] = [
  { act: "start", code: 0 },
  { scene: "the guest reboots itself", run: (r) => stopGuest(r.root, r.host, r.name, "reboot") },
  { scene: "xl destroyed it and waits", run: (r) => until(r, (r) => r.domain() === undefined) },
];

const scenarios: readonly Scenario[] = [
  {
    name: "absent: probe and monitor say 7, stop succeeds and touches nothing",
    steps: [
      { act: "monitor", env: probe, code: 7 },
      { act: "monitor", env: recurring, code: 7, withinMs: NO_RECHECK_MS },
      { act: "status", code: 7 },
      { act: "stop", code: 0 },
      { check: "no domain was created", run: (r) => r.domains().length, is: 0 },
    ],
  },
  {
    name: "lifecycle: start, monitor, probe, double start, stop, double stop",
    steps: [
      { act: "start", code: 0 },
      { check: "the domain runs", run: (r) => running(r.domain()?.state ?? ""), is: true },
      { act: "monitor", env: recurring, code: 0 },
      { act: "monitor", env: probe, code: 0 },
      { act: "start", code: 0 },
      { check: "one create in all", run: (r) => r.calls().filter((c) => c.argv[0] === "create").length, is: 1 },
      { act: "stop", code: 0 },
      { check: "the domain is gone", run: (r) => r.domain(), is: undefined },
      { act: "monitor", env: recurring, code: 7, withinMs: NO_RECHECK_MS },
      { act: "stop", code: 0 },
    ],
  },
  {
    name: "paused: degraded (190) with a reason for Pacemaker 2.1; stop destroys it",
    steps: [
      { act: "start", code: 0 },
      { scene: "xl pause vm1", run: (r) => r.xl("pause", r.name) },
      { act: "monitor", env: recurring, code: 190, reason: /^domain vm1 \(id \d+\) is paused, state --p---$/ },
      { act: "monitor", env: probe, code: 190, reason: /is paused/ },
      { act: "stop", code: 0 },
      { check: "the domain is gone", run: (r) => r.domain(), is: undefined },
    ],
  },
  {
    name: "legacy lrmd profile (OCF 1.0, no CRM_meta): lifecycle passes, paused is 1, never 190",
    options: { profile: "legacy" },
    steps: [
      { act: "monitor", code: 7 },
      { act: "start", code: 0 },
      { act: "monitor", code: 0 },
      { scene: "xl pause vm1", run: (r) => r.xl("pause", r.name) },
      { act: "monitor", code: 1, reason: /is paused/ },
      { scene: "xl unpause vm1", run: (r) => r.xl("unpause", r.name) },
      { act: "monitor", code: 0 },
      { act: "stop", code: 0 },
      { act: "monitor", code: 7 },
    ],
  },
  {
    name: "crashed and preserved: monitor says crashed; start replaces the leftover; stop destroys it",
    options: { configLines: ['on_crash = "preserve"'] },
    steps: [
      { act: "start", code: 0 },
      { scene: "the guest crashes", run: (r) => stopGuest(r.root, r.host, r.name, "crash") },
      { act: "monitor", env: recurring, code: 1, reason: /^domain vm1 \(id 1\) is crashed, state (---sc-|----c-)$/ },
      { act: "monitor", env: probe, code: 1, reason: /is crashed/ },
      { act: "start", code: 0 },
      { check: "a new domain runs", run: (r) => [r.domain()?.domid !== 1, running(r.domain()?.state ?? "")], is: [true, true] },
      { scene: "the guest crashes again", run: (r) => stopGuest(r.root, r.host, r.name, "crash") },
      { act: "stop", code: 0 },
      { check: "the domain is gone", run: (r) => r.domain(), is: undefined },
    ],
  },
  {
    name: "shut down but not destroyed (monitoring process gone): monitor fails, stop destroys",
    only: ["xl"],
    steps: [
      { act: "start", code: 0 },
      { scene: "kill the xl monitoring process", run: (r) => killMonitor(r.root, r.host, r.name) },
      { scene: "the guest powers off", run: (r) => stopGuest(r.root, r.host, r.name, "poweroff") },
      { scene: "it stays ---s--", run: (r) => until(r, (r) => r.domain()?.state === "---s--") },
      { act: "monitor", env: recurring, code: 1, reason: /^domain vm1 \(id 1\) is shut down but not destroyed, state ---s--$/ },
      { act: "stop", code: 0 },
      { check: "the domain is gone", run: (r) => r.domain(), is: undefined },
    ],
  },
  {
    name: "zombie after destroy: stop succeeds once the name is gone and the domain is dying; probe says 7",
    options: { host: { knobs: { zombieMs: "never" } } },
    steps: [
      { act: "start", code: 0 },
      { act: "stop", env: { OCF_RESKEY_force_stop: "true" }, code: 0 },
      { check: "a (null) dying domain lingers", run: (r) => r.domains().map((d) => [d.name, d.dying]), is: [[null, true]] },
      { act: "monitor", env: probe, code: 7 },
      { act: "start", code: 0 },
      { act: "stop", code: 0 },
    ],
  },
  {
    name: "reboot gap: a recurring monitor while xl re-creates the domain says 0, not 7",
    only: ["xl"],
    options: stretchedGap,
    steps: [
      ...insideRebootGap,
      // its first look finds vm1 missing (or paused, built anew, when the machine is slow): xl's log says why
      {
        act: "monitor",
        env: recurring,
        code: 0,
        withinMs: 6_000,
        logged: /domain vm1 (does not exist|\(id 2\) is paused, state --p---); xl's monitoring process \d+ is restarting it .*: waiting for it to come back/,
      },
      { check: "it is back under a new domid", run: (r) => [r.domain()?.domid !== 1, running(r.domain()?.state ?? "")], is: [true, true] },
      { act: "stop", code: 0 },
    ],
  },
  {
    name: "reboot gap: stop during the gap waits for the domain to come back, then stops it for good",
    only: ["xl"],
    options: stretchedGap,
    steps: [
      ...insideRebootGap,
      { act: "stop", env: opTimeout(20_000), code: 0 },
      { scene: "longer than the gap", run: () => new Promise((resolve) => setTimeout(resolve, 2_500)) },
      { check: "nothing came back", run: (r) => r.domain(), is: undefined },
    ],
  },
  {
    name: "a domain that dies for good (on_poweroff=destroy): the recurring monitor says 7 at once",
    steps: [
      { act: "start", code: 0 },
      { scene: "the guest powers off (on_poweroff=destroy)", run: (r) => stopGuest(r.root, r.host, r.name, "poweroff") },
      { scene: "gone", run: (r) => until(r, (r) => r.domain() === undefined) },
      { act: "monitor", env: recurring, code: 7, withinMs: NO_RECHECK_MS, logged: /no restart is under way/ },
      { act: "monitor", env: recurring, code: 7, withinMs: NO_RECHECK_MS },
    ],
  },
];

playTable(t, scenarios);
