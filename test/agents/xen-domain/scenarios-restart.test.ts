import t from "tap";
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { stopGuest } from "../../../lib/sim/index.ts";
import type { SimResource } from "../../support/sim-resource.ts";
import { opTimeout, playTable, recurring, until, type Scenario, type Step } from "./scenario-table.ts";

/**
 * A domain this host saw running is missing: XenDomain believes "does not
 * exist" at once unless the toolstack's own traces say it is restarting
 * the domain (doc/evidence.md §4). Each row gives the number of toolstack
 * calls and the time the action took.
 */

/** Far below the old 5 s re-check: an absence without evidence of a restart is final at once. */
const AT_ONCE_MS = 2_500;
const running = (state: string) => /^[-r][-b]----$/.test(state);

const xenLog = (r: SimResource, file: string): string => join(r.env["XEN_HA_SYSROOT"] as string, "var", "log", "xen", file);

/** Toolstack calls an action made: the call log's growth across it. */
function callCounter() {
  let before = 0;
  return {
    mark: { scene: "count the toolstack calls from here", run: (r: SimResource) => void (before = r.calls().length) } as Step,
    since: (r: SimResource) => r.calls().length - before,
  };
}

const monitorAfterDestroy = callCounter();
const startAfterDestroy = callCounter();

const destroyedOutOfBand: readonly Step[] = [
  { act: "start", code: 0 },
  { act: "monitor", env: recurring, code: 0 },
  { scene: "an admin destroys it (xl destroy vm1 / xm destroy vm1)", run: (r) => r.xl("destroy", r.name) },
];

const scenarios: readonly Scenario[] = [
  {
    name: "destroyed out of band: the recurring monitor says 7 at once, with one look and the logs",
    steps: [
      ...destroyedOutOfBand,
      monitorAfterDestroy.mark,
      { act: "monitor", env: recurring, code: 7, withinMs: AT_ONCE_MS, logged: /no restart is under way/, unlogged: /waiting for it to come back/ },
      { check: "toolstack calls: the one `list vm1`", run: (r) => monitorAfterDestroy.since(r), is: 1 },
    ],
  },
  {
    name: "start after an out-of-band destroy: creates at once, no waiting",
    steps: [
      ...destroyedOutOfBand,
      startAfterDestroy.mark,
      { act: "start", code: 0, logged: /no restart is under way/, unlogged: /waiting for it to come back/ },
      { check: "one create", run: (r) => r.calls().slice(-startAfterDestroy.since(r)).filter((c) => c.argv[0] === "create").length, is: 1 },
      { check: "a new domain runs", run: (r) => running(r.domain()?.state ?? ""), is: true },
    ],
  },
  {
    name: "restart under way (xm: xend re-creates it, building paused): the monitor waits and says 0",
    only: ["xm"],
    options: { host: { knobs: { timing: { xmMinimumRestartMs: 0, createPvMs: 30_000 } } } },
    steps: [
      { act: "start", env: opTimeout(30_000), code: 0 },
      { act: "monitor", env: recurring, code: 0 },
      { scene: "the guest reboots itself", run: (r) => stopGuest(r.root, r.host, r.name, "reboot") },
      { scene: "xend destroyed it and builds the new one", run: (r) => until(r, (r) => r.domain()?.domid !== undefined && r.domain()?.domid !== 1) },
      { act: "monitor", env: { ...recurring, ...opTimeout(20_000) }, code: 0, logged: /xend \(pid \d+\) is restarting it after a reboot: waiting for it to come back/ },
      { check: "back under a new domid", run: (r) => [r.domain()?.domid !== 1, running(r.domain()?.state ?? "")], is: [true, true] },
    ],
  },
  {
    name: "xend refuses a restart too soon after the start: 7 at once",
    only: ["xm"],
    options: { host: { knobs: { timing: { xmMinimumRestartMs: 10_000_000 } } } },
    steps: [
      { act: "start", code: 0 },
      { act: "monitor", env: recurring, code: 0 },
      { scene: "the guest reboots itself", run: (r) => stopGuest(r.root, r.host, r.name, "reboot") },
      { scene: "xend destroyed it", run: (r) => until(r, (r) => r.domain() === undefined) },
      { act: "monitor", env: recurring, code: 7, withinMs: AT_ONCE_MS, logged: /xend gave up: 'VM vm1 restarting too fast/ },
    ],
  },
  {
    name: "the monitoring process is alive but its log says no restart (poweroff, slow destroy): 7 at once",
    only: ["xl"],
    options: { host: { knobs: { timing: { destroyPerGiBMs: 100_000 } } } },
    steps: [
      { act: "start", code: 0 },
      { act: "monitor", env: recurring, code: 0 },
      { scene: "the guest powers off (on_poweroff=destroy)", run: (r) => stopGuest(r.root, r.host, r.name, "poweroff") },
      { scene: "its name is gone, the destroy goes on", run: (r) => until(r, (r) => r.domain() === undefined) },
      { act: "monitor", env: recurring, code: 7, withinMs: AT_ONCE_MS, logged: /does not restart it \(action destroy\)/ },
    ],
  },
  {
    name: "the log is a FIFO: refused unread, the answer does not block: 7 at once",
    only: ["xl"],
    steps: [
      ...destroyedOutOfBand,
      { scene: "the monitor is done", run: (r) => until(r, () => /destroyed\.\n$/.test(spawnSync("cat", [xenLog(r, "xl-vm1.log")]).stdout.toString())) },
      {
        scene: "xl-vm1.log becomes a FIFO",
        run: (r) => {
          rmSync(xenLog(r, "xl-vm1.log"));
          spawnSync("mkfifo", [xenLog(r, "xl-vm1.log")]);
          return existsSync(xenLog(r, "xl-vm1.log"));
        },
      },
      { act: "monitor", env: recurring, code: 7, withinMs: AT_ONCE_MS, logged: /xl-vm1\.log is a fifo, not a regular file/ },
    ],
  },
];

playTable(t, scenarios);
