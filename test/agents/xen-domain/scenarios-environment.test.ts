import { spawnSync } from "node:child_process";
import { mkdirSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { setHostKnobs, stopGuest } from "../../../lib/sim/index.ts";
import type { SimResource } from "../../support/sim-resource.ts";
import { opTimeout, playTable, probe, recurring, type Scenario, type Step } from "./scenario-table.ts";

/**
 * XenDomain in a broken environment: a config file that is not one (a FIFO
 * standing for a hung NFS export, a device, a directory, a huge file), a
 * config broken while the domain runs, no toolstack, no hypervisor, a
 * missing monitor script, a paused or suspended domain, a transient toolstack failure.
 * Each scenario says what the agent answers, how fast, and what it left
 * alone (the simulator's call log and domain list).
 */
const argvs = (r: SimResource) => r.calls().map((c) => c.argv.join(" "));
const changes = (r: SimResource) => argvs(r).filter((a) => /^(create|destroy|shutdown|pause|unpause|trigger|mem-set)\b/.test(a));
const listCalls = (r: SimResource) => argvs(r).filter((a) => /^list\b/.test(a)).length;
const nothingChanged: Step = { check: "nothing created or destroyed", run: changes, is: [] };
const stillRunning: Step = { check: "the domain still runs", run: (r) => /^[-r][-b]----$/.test(r.domain()?.state ?? ""), is: true };

/** A user's config path that is something else, made in the scenario's root. */
const oddFile = (kind: "fifo" | "directory" | "huge") => (r: SimResource) => {
  const path = join(r.root, `odd-${kind}.cfg`);
  if (kind === "fifo") spawnSync("mkfifo", [path]);
  if (kind === "directory") mkdirSync(path);
  if (kind === "huge") {
    writeFileSync(path, `name = "${r.name}"\n`);
    truncateSync(path, 2 << 20); // 2 MiB, sparse: size is what counts
  }
  return path;
};
const odd = (kind: "fifo" | "directory" | "huge") => (r: SimResource) => ({ OCF_RESKEY_xmfile: join(r.root, `odd-${kind}.cfg`) });
const withName = (env: (r: SimResource) => Record<string, string>) => (r: SimResource) => ({ ...env(r), OCF_RESKEY_name: r.name });

/** What every action says when the xmfile is not a regular file of bounded size: quickly, and nothing runs. */
const refusedFile = (name: string, make: (r: SimResource) => unknown, env: (r: SimResource) => Record<string, string>, reason: RegExp): Scenario => ({
  name,
  only: ["xl"],
  steps: [
    { scene: "the odd file", run: make },
    { act: "validate-all", env: (r) => ({ ...env(r), ...opTimeout(5_000) }), code: 5, reason, withinMs: 5_000 },
    { act: "start", env: (r) => ({ ...env(r), ...opTimeout(5_000) }), code: 5, reason, withinMs: 5_000 },
    // without a name there is nothing to look for: 6, said at once, never a hang
    { act: "monitor", env: (r) => ({ ...env(r), ...probe, ...opTimeout(5_000) }), code: 6, reason: /^name is not set and xmfile .*; set the name parameter$/, withinMs: 5_000 },
    // with a name, monitor and stop never read the file
    { act: "monitor", env: (r) => ({ ...withName(env)(r), ...probe, ...opTimeout(5_000) }), code: 7, withinMs: 5_000 },
    { act: "stop", env: (r) => ({ ...withName(env)(r), ...opTimeout(5_000) }), code: 0, withinMs: 5_000 },
    nothingChanged,
  ],
});

/** The config becomes unusable while the domain runs: monitor and stop go on by name (parameter or record). */
const brokenWhileRunning = (label: string, breakIt: (r: SimResource) => void, named: boolean): Scenario => ({
  name: `config ${label} while the domain runs, ${named ? "name set" : "no name parameter (the record's name)"}: monitor 0, stop 0`,
  only: ["xl"],
  steps: [
    { act: "start", env: (r) => (named ? { OCF_RESKEY_name: r.name } : {}), code: 0 },
    { scene: `the config ${label}`, run: breakIt },
    { act: "monitor", env: (r) => ({ ...recurring, ...opTimeout(5_000), ...(named ? { OCF_RESKEY_name: r.name } : {}) }), code: 0, withinMs: 5_000 },
    stillRunning,
    { act: "stop", env: (r) => (named ? { OCF_RESKEY_name: r.name } : {}), code: 0 },
    { check: "gone", run: (r) => r.domain(), is: undefined },
    { check: "only the stop changed anything", run: (r) => changes(r).filter((a) => !a.startsWith("create")).every((a) => / vm1$/.test(a)), is: true },
  ],
});

const scenarios: readonly Scenario[] = [
  refusedFile("xmfile is a FIFO (a hung NFS export stands for it): refused at once, never opened", oddFile("fifo"), odd("fifo"), /is a fifo, not a regular file$/),
  refusedFile("xmfile is /dev/zero: refused at once, nothing read", () => undefined, () => ({ OCF_RESKEY_xmfile: "/dev/zero" }), /^xmfile \/dev\/zero is a character special file, not a regular file$/),
  refusedFile("xmfile is a directory", oddFile("directory"), odd("directory"), /is a directory, not a regular file$/),
  refusedFile("xmfile is larger than 1 MiB", oddFile("huge"), odd("huge"), /is 2097152 bytes, more than the 1048576 bytes such a file may have$/),

  brokenWhileRunning("gets a syntax error", (r) => writeFileSync(r.config, 'name = "vm1"\nmemory = lots of\n'), false),
  brokenWhileRunning("gets a syntax error", (r) => writeFileSync(r.config, 'name = "vm1"\nmemory = lots of\n'), true),
  brokenWhileRunning("is replaced by a FIFO", (r) => spawnSync("sh", ["-c", 'rm -f "$1" && mkfifo "$1"', "sh", r.config]), false),
  brokenWhileRunning("disappears", (r) => spawnSync("rm", ["-f", r.config]), false),

  {
    name: "xl missing on a dom0 (an upgrade in progress): 5 everywhere, never 'stopped'",
    options: { persona: "none" },
    only: ["xl"],
    steps: [
      { act: "monitor", env: probe, code: 5, reason: /^xl or xm not found on PATH/ },
      { act: "monitor", env: recurring, code: 5, reason: /^xl or xm not found on PATH/ },
      { act: "stop", code: 5, reason: /^xl or xm not found on PATH/ },
      { act: "start", code: 5, reason: /not found on PATH/ },
      { act: "validate-all", code: 5, reason: /not found on PATH/ },
    ],
  },
  {
    name: "xl missing on a node that did not boot Xen: probe 7, stop 0, start 5",
    options: { persona: "none", host: { knobs: { hypervisor: false } } },
    only: ["xl"],
    steps: [
      { act: "monitor", env: probe, code: 7, logged: /this kernel does not run on Xen: \/sys\/hypervisor\/type does not exist and \/proc\/xen does not exist/ },
      { act: "monitor", env: recurring, code: 7 },
      { act: "stop", code: 0 },
      { act: "start", code: 5, reason: /^this kernel does not run on Xen: .*; no Xen domain can run on this host \(xl or xm not found on PATH/ },
    ],
  },
  {
    name: "xl present on a node that did not boot Xen ('cannot init xl context'): probe 7, stop 0, start 5, nothing created",
    options: { host: { knobs: { hypervisor: false } } },
    steps: [
      { act: "monitor", env: probe, code: 7 },
      { act: "monitor", env: recurring, code: 7 },
      { act: "stop", code: 0 },
      { act: "start", code: 5, reason: /^this kernel does not run on Xen: .*; no Xen domain can run on this host \(x[lm] list: exit 1: .*(cannot init xl context|Unable to connect to xend)/ },
      { act: "validate-all", code: 0 },
      nothingChanged,
    ],
  },
  {
    name: "a monitor script missing at start: 5 before anything is created",
    steps: [
      { act: "start", env: { OCF_RESKEY_monitor_scripts: "/nonexistent/check-vm1" }, code: 5, reason: /^monitor_scripts: '\/nonexistent\/check-vm1' is not an executable file on this host$/ },
      { check: "no toolstack call changed anything", run: changes, is: [] },
      { check: "no domain", run: (r) => r.domain(), is: undefined },
    ],
  },
  {
    name: "a paused domain at start: an answer with its reason at once, nothing unpaused or created",
    steps: [
      { act: "start", code: 0 },
      { scene: "someone pauses it", run: (r) => r.xl("pause", r.name) },
      // far inside the 60 s it used to wait out (at most the 5 s allowed a domain still being built)
      { act: "start", env: opTimeout(60_000), code: 1, reason: /is paused, state --p---; start does not unpause it/, withinMs: 15_000 },
      { check: "still paused; created once, paused by the scene, nothing else", run: (r) => [r.domain()?.state, changes(r).map((a) => a.split(" ")[0])], is: ["--p---", ["create", "pause"]] },
    ],
  },
  {
    // xl save and the stop-and-copy pass of a migration leave a guest suspended (---ss-) until the toolstack destroys or resumes it
    name: "a suspended domain at start: an answer with its reason at once, nothing resumed, created or destroyed",
    // xm's listing has no shutdown reason (doc/xl-behaviour.md): there a suspended domain reads as shut down
    only: ["xl"],
    steps: [
      { act: "start", code: 0 },
      { scene: "the guest suspends (what xl save and migrate ask of it)", run: (r) => stopGuest(r.root, r.host, r.name, "suspend") },
      { check: "the toolstack shows it suspended", run: (r) => r.domain()?.state, is: "---ss-" },
      { act: "start", env: opTimeout(60_000), code: 1, reason: /^domain vm1 \(id \d+\) is suspended \(a save or migration is in progress\), state ---ss-; not starting another copy$/, withinMs: 5_000 },
      { check: "still suspended; created once, nothing else", run: (r) => [r.domain()?.state, changes(r).map((a) => a.split(" ")[0])], is: ["---ss-", ["create"]] },
    ],
  },
  {
    name: "one transient xl list failure at a recurring monitor: asked again, the domain is running",
    steps: [
      { act: "start", code: 0 },
      { scene: "xl list fails once", run: (r) => setHostKnobs(r.root, r.host, { fail: { list: 1 } }) },
      { act: "monitor", env: { ...recurring, ...opTimeout(5_000) }, code: 0, withinMs: 5_000 },
      stillRunning,
    ],
  },
  {
    name: "two xl list failures in a row: the monitor fails (1, never 7), nothing is touched",
    steps: [
      { act: "start", code: 0 },
      { scene: "xl list fails twice", run: (r) => setHostKnobs(r.root, r.host, { fail: { list: 2 } }) },
      { act: "monitor", env: recurring, code: 1, reason: /^x[lm] list: exit 1: .*(Resource temporarily unavailable|libxl_list_domain failed)/ },
      stillRunning,
      { act: "monitor", env: recurring, code: 0 },
    ],
  },
];

t.test("the retry is one more listing, not more", async (t) => {
  // counted from the call log: the start's own listings are before the scene
  const { simResource } = await import("../../support/sim-resource.ts");
  for (const failures of [1, 2]) {
    const r = simResource();
    t.teardown(r.dispose);
    t.equal((await r.run("start")).code, 0);
    const before = listCalls(r);
    setHostKnobs(r.root, r.host, { fail: { list: failures } });
    await r.run("monitor", recurring);
    t.equal(listCalls(r) - before, 2, `${failures} failure(s): two listings`);
  }
});

playTable(t, scenarios);
