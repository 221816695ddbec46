import t, { type Test } from "tap";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { killMonitor, listDomains, setGuestBehaviour, setHostKnobs, stopGuest, writeSampleConfig } from "../../../lib/sim/index.ts";
import { runCommand } from "../../../lib/exec/command.ts";
import { eventually, run, simHost, stateOf, untilState, xl } from "./support.ts";

/** State transitions of a domain under the default xl persona (doc/xl-behaviour.md §1.3, §2.4, §3). */

async function running(t: Test, name = "vm1", extraLines: string[] = [], persona?: "xl-4.4") {
  const host = simHost(t, persona ? { persona } : {});
  const cfg = writeSampleConfig({ root: host.root, name, extraLines });
  const created = await xl(host, "create", "-q", cfg);
  t.equal(created.code, 0, "created");
  t.ok(await untilState(host, name, "-b----"), "booted: -b----");
  return { host, cfg };
}

const monitorLog = (root: string, host: string, name: string): string => readFileSync(join(root, "hosts", host, "sysroot", "var", "log", "xen", `xl-${name}.log`), "utf8");

t.test("create shows the domain paused (--p---) under its name while it builds", async (t) => {
  const host = simHost(t);
  setHostKnobs(host.root, host.host, { timing: { createPvMs: 30_000 } });
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  const creating = xl(host, "create", cfg);
  t.ok(await untilState(host, "vm1", "--p---"), "--p--- during the build");
  const created = await creating;
  t.same([created.code, created.stdout, created.stderr], [0, "", `Parsing config from ${cfg}\n`]);
  t.not(stateOf(host, "vm1"), "--p---", "unpaused when create returns");
});

t.test("create -p leaves it paused; one unpause releases it; pause is counted", async (t) => {
  const host = simHost(t);
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  t.equal((await xl(host, "create", "-p", "-q", cfg)).code, 0);
  t.equal(stateOf(host, "vm1"), "--p---");
  t.equal((await xl(host, "unpause", "vm1")).code, 0);
  t.ok(await untilState(host, "vm1", "-b----"), "running after one unpause");
  await xl(host, "pause", "vm1");
  await xl(host, "pause", "vm1");
  await xl(host, "unpause", "vm1");
  t.equal(stateOf(host, "vm1"), "--p---", "two pauses need two unpauses (Xen >= 4.5)");
  await xl(host, "unpause", "vm1");
  t.ok(await untilState(host, "vm1", "-b----"));
  const extra = await xl(host, "unpause", "vm1");
  t.equal(extra.code, 0, "an extra unpause still exits 0");
  t.match(extra.stderr, /libxl_domain_unpause: Domain 1:Unpausing domain: Invalid argument\n$/);
});

t.test("xl-4.4: pause is a flag", async (t) => {
  const { host } = await running(t, "vm1", [], "xl-4.4");
  await xl(host, "pause", "vm1");
  await xl(host, "pause", "vm1");
  t.equal(stateOf(host, "vm1"), "--p---");
  await xl(host, "unpause", "vm1");
  t.ok(await untilState(host, "vm1", "-b----"), "one unpause undoes any number of pauses");
});

t.test("shutdown: the guest acks, shuts down (---s--), the monitor destroys it", async (t) => {
  const { host } = await running(t);
  setGuestBehaviour(host.root, host.host, "vm1", { shutdownMs: 20_000 });
  // a slow device teardown makes the short-lived shut-down states observable
  setHostKnobs(host.root, host.host, { timing: { destroyBaseMs: 50_000 } });
  const result = await xl(host, "shutdown", "vm1");
  t.same([result.code, result.stdout, result.stderr], [0, "", "Shutting down domain 1\n"]);
  const seen = new Set<string>();
  t.ok(
    await eventually(() => {
      const state = listDomains(host.root, host.host)[0]?.state;
      if (state) seen.add(state);
      return state === undefined;
    }),
    "gone in the end",
  );
  t.ok(seen.has("--ps--"), "shut down, then paused while the monitor's destroy tears devices down");
  t.same([...seen].filter((s) => !["-b----", "---s--", "--ps--", "--ps-d"].includes(s)), [], `no other states: ${[...seen].join(" ")}`);
  t.ok(await eventually(() => monitorLog(host.root, host.host, "vm1").includes("Exiting")), "the monitor is done");
  t.match(
    monitorLog(host.root, host.host, "vm1"),
    /^Waiting for domain vm1 \(domid 1\) to die \[pid \d+\]\nDomain 1 has shut down, reason code 0 0x0\nAction for shutdown reason code 0 is destroy\nDomain 1 needs to be cleaned up: destroying the domain\nDone\. Exiting now\n$/,
  );
});

t.test("shutdown -w and -ww", async (t) => {
  const { host, cfg } = await running(t);
  const w = await xl(host, "shutdown", "-w", "vm1");
  t.same([w.code, w.stderr], [0, "Shutting down domain 1\nWaiting for 1 domains\nDomain 1 has been shut down, reason code 0\n"]);
  t.ok(await untilState(host, "vm1", undefined));
  await xl(host, "create", "-q", cfg);
  t.ok(await untilState(host, "vm1", "-b----"));
  const ww = await xl(host, "shutdown", "-ww", "vm1");
  t.same(
    [ww.code, ww.stderr],
    [0, "Shutting down domain 2\nWaiting for 1 domains\nDomain 2 has been shut down, reason code 0\nDomain 2 continue waiting for death\nDomain 2 has been destroyed\n"],
  );
});

t.test("a guest that ignores shutdown acks (exit 0) and keeps running", async (t) => {
  const { host } = await running(t);
  setGuestBehaviour(host.root, host.host, "vm1", { ignoreShutdown: true });
  t.equal((await xl(host, "shutdown", "vm1")).code, 0);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(stateOf(host, "vm1"), "-b----");
});

t.test("no ack within the (scaled) 60 s: rc=-9, exit 1; the request stays and a later boot acts on it", async (t) => {
  const { host } = await running(t);
  await xl(host, "pause", "vm1");
  const started = Date.now();
  const result = await xl(host, "shutdown", "vm1");
  const waited = Date.now() - started;
  t.equal(result.code, 1);
  t.match(result.stderr, /^Shutting down domain 1\nlibxl: error: [^:]+:\d+:pvcontrol_cb: guest didn't acknowledge control request: -9\nshutdown failed \(rc=-9\)\n$/);
  t.ok(waited >= 550, `waited the scaled 60 s (600 ms at factor 0.01): ${waited} ms`);
  t.equal(stateOf(host, "vm1"), "--p---", "a paused guest cannot ack");
  await xl(host, "unpause", "vm1");
  t.ok(await untilState(host, "vm1", undefined), "once unpaused, the pending request still shuts it down");
});

t.test("guests that never ack: no shutdown watch, or stuck before xenbus", async (t) => {
  for (const behaviour of [{ noShutdownWatch: true }, { hangBoot: true }]) {
    const host = simHost(t);
    setGuestBehaviour(host.root, host.host, "vm1", behaviour);
    await xl(host, "create", "-q", writeSampleConfig({ root: host.root, name: "vm1" }));
    const result = await xl(host, "shutdown", "vm1");
    t.equal(result.code, 1, JSON.stringify(behaviour));
    t.match(result.stderr, /shutdown failed \(rc=-9\)\n$/);
    t.equal(stateOf(host, "vm1"), behaviour.hangBoot ? "r-----" : "-b----", "still there");
  }
});

t.test("xl-4.4 returns at once, ack or not", async (t) => {
  const { host } = await running(t, "vm1", [], "xl-4.4");
  setGuestBehaviour(host.root, host.host, "vm1", { noShutdownWatch: true });
  setHostKnobs(host.root, host.host, { timing: { ackTimeoutMs: 1_000_000 } });
  const started = Date.now();
  t.equal((await xl(host, "shutdown", "vm1")).code, 0);
  t.ok(Date.now() - started < 5_000, "well before the 10 s an xl-4.17 would wait");
});

t.test("HVM without PV drivers: rc=-10 unless -F; -F sends the ACPI event", async (t) => {
  const { host } = await running(t, "vm1", ['type = "hvm"', "xen_platform_pci = 0"]);
  const refused = await xl(host, "shutdown", "vm1");
  t.same(
    [refused.code, refused.stderr],
    [1, 'Shutting down domain 1\nPV control interface not available: external graceful shutdown not possible.\nUse "-F" to fallback to ACPI power event.\nshutdown failed (rc=-10)\n'],
  );
  const reboot = await xl(host, "reboot", "vm1");
  t.match(reboot.stderr, /external graceful reboot not possible\.\nUse "-F" to fallback to ACPI reset event\.\nreboot failed \(rc=-10\)\n$/);
  setGuestBehaviour(host.root, host.host, "vm1", { acpiPowerButton: false });
  const ignored = await xl(host, "shutdown", "-F", "vm1");
  t.same([ignored.code, ignored.stderr], [0, "Shutting down domain 1\nPV control interface not available: sending ACPI power button event.\n"]);
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(stateOf(host, "vm1"), "-b----", "an OS that ignores the power button keeps running");
  setGuestBehaviour(host.root, host.host, "vm1", { acpiPowerButton: true });
  t.equal((await xl(host, "shutdown", "-F", "vm1")).code, 0);
  t.ok(await untilState(host, "vm1", undefined), "one that reacts shuts down");
});

t.test("reboot: destroy, a gap without the name, a new domid", async (t) => {
  const { host } = await running(t);
  const result = await xl(host, "reboot", "vm1");
  t.same([result.code, result.stderr], [0, "Rebooting domain 1\n"]);
  t.ok(await eventually(() => listDomains(host.root, host.host).every((d) => d.name !== "vm1")), "the name is gone for a while");
  t.ok(await eventually(() => listDomains(host.root, host.host).some((d) => d.name === "vm1" && d.domid === 2)), "back as domid 2");
  t.ok(await eventually(() => monitorLog(host.root, host.host, "vm1").includes("(domid 2)")), "the same monitor watches the new domain");
  t.match(monitorLog(host.root, host.host, "vm1"), /Action for shutdown reason code 1 is restart\n.*\nDone\. Rebooting now\nWaiting for domain vm1 \(domid 2\) to die/s);
});

t.test("a crash: on_crash destroy by default, preserve keeps ---sc- and xl list NAME exits 0", async (t) => {
  const { host } = await running(t, "vm1", ['on_crash = "preserve"']);
  stopGuest(host.root, host.host, "vm1", "crash");
  t.ok(await untilState(host, "vm1", "---sc-"));
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(stateOf(host, "vm1"), "---sc-", "preserved");
  const listed = await xl(host, "list", "vm1");
  t.equal(listed.code, 0, "existence is not running");
  t.match(listed.stdout, /\nvm1 .* ---sc- /);
  const other = await running(t, "vm2");
  setGuestBehaviour(other.host.root, other.host.host, "vm2", { crashAfterMs: 5_000 });
  t.ok(await untilState(other.host, "vm2", undefined), "a crash after 5 s (scaled) ends in destroy");
  t.match(monitorLog(other.host.root, other.host.host, "vm2"), /reason code 3 0x3\nAction for shutdown reason code 3 is destroy/);
});

t.test("no monitor (killed, or create -e): a powered-off guest stays ---s--", async (t) => {
  const { host, cfg } = await running(t);
  t.ok(killMonitor(host.root, host.host, "vm1"));
  t.equal((await xl(host, "shutdown", "vm1")).code, 0);
  t.ok(await untilState(host, "vm1", "---s--"));
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(stateOf(host, "vm1"), "---s--", "nobody destroys it");
  await xl(host, "destroy", "vm1");
  t.equal((await xl(host, "create", "-e", "-q", cfg)).code, 0);
  t.equal(listDomains(host.root, host.host)[0]?.monitorPid, null, "-e starts no monitor");
  stopGuest(host.root, host.host, "vm1", "poweroff");
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(stateOf(host, "vm1"), "---s--");
});

t.test("destroy: silent, synchronous, the name first; zombies keep memory until they go", async (t) => {
  const { host, cfg } = await running(t);
  const free = async () => Number((await xl(host, "info", "free_memory")).stdout);
  const before = await free();
  t.equal(before, 16384 - 2048 - 513, "free memory drops by memory + 1 MiB for a PV guest");
  setHostKnobs(host.root, host.host, { zombieMs: 60_000 });
  const result = await xl(host, "destroy", "vm1");
  t.same([result.code, result.stdout, result.stderr], [0, "", ""]);
  t.same(
    listDomains(host.root, host.host).map((d) => [d.name, d.domid, d.state, d.memoryMiB]),
    [[null, 1, "--p--d", 0]],
    "a (null) --p--d zombie",
  );
  t.equal(await free(), before, "a zombie still holds its memory");
  t.equal((await xl(host, "list", "vm1")).code, 1, "not findable by name");
  const byId = await xl(host, "list", "1");
  t.equal(byId.code, 0, "findable by id");
  t.match(byId.stdout, /\n\(null\) {34} {5}1 {5}0 {5}1 {5}--p--d /);
  t.ok(await eventually(() => listDomains(host.root, host.host).length === 0, 3_000), "gone after the zombie lifetime");
  t.equal(await free(), 16384 - 2048);
  setHostKnobs(host.root, host.host, { zombieMs: 0 });
  t.equal((await xl(host, "create", "-q", cfg)).code, 0);
  t.equal(listDomains(host.root, host.host)[0]?.domid, 2, "domids are not reused");
});

t.test("create failures: name clash consumes a domid; not enough memory", async (t) => {
  const { host, cfg } = await running(t);
  const clash = await xl(host, "create", "-q", cfg);
  t.equal(clash.code, 3);
  t.match(clash.stderr, /^libxl: error: [^:]+:\d+:libxl__domain_rename: Domain 2:Domain with name "vm1" already exists\.\nlibxl: error: [^:]+:\d+:initiate_domain_create: Domain 2:cannot make domain: -6\n$/);
  const big = writeSampleConfig({ root: host.root, name: "big", memoryMiB: 64_000 });
  const nomem = await xl(host, "create", "-q", big);
  t.equal(nomem.code, 3);
  t.match(nomem.stderr, /Domain 3:cannot \(re-\)build domain: -3\n$/, "domid 3: the clash used 2");
  const small = writeSampleConfig({ root: host.root, name: "small", memoryMiB: 64 });
  t.equal((await xl(host, "create", "-q", small)).code, 0);
  t.equal(listDomains(host.root, host.host).find((d) => d.name === "small")?.domid, 4);
});

t.test("autoballoon: dom0 shrinks down to its floor, then 'failed to free memory'", async (t) => {
  const host = simHost(t, { memoryMiB: 8192, dom0MemoryMiB: 6144 });
  setHostKnobs(host.root, host.host, { autoballoon: true, dom0MinMiB: 2048 });
  const fits = writeSampleConfig({ root: host.root, name: "fits", memoryMiB: 4096 });
  t.equal((await xl(host, "create", "-q", fits)).code, 0);
  t.equal((await xl(host, "list", "0")).stdout.split("\n")[1]?.split(/ +/)[2], "4095", "dom0 gave up what was missing: 4096 + 1 MiB needed, 2048 free");
  const toobig = writeSampleConfig({ root: host.root, name: "toobig", memoryMiB: 4096 });
  const refused = await xl(host, "create", "-q", toobig);
  t.same([refused.code, refused.stderr], [3, "failed to free memory for the domain\n"]);
});

t.test("mem-set and mem-max", async (t) => {
  const { host } = await running(t, "vm1", ["maxmem = 1024"]);
  setGuestBehaviour(host.root, host.host, "vm1", { balloonMiBPerS: 25 });
  t.equal((await xl(host, "mem-set", "vm1", "768")).code, 0);
  const early = listDomains(host.root, host.host)[0]?.memoryMiB ?? 0;
  t.ok(early >= 512 && early < 768, `Mem moves at the balloon driver's pace (${early} MiB right after)`);
  t.ok(await eventually(() => listDomains(host.root, host.host)[0]?.memoryMiB === 768), "and reaches the target (10 s scaled)");
  const above = await xl(host, "mem-set", "vm1", "2g");
  t.equal(above.code, 1);
  t.match(above.stderr, /Domain 1:memory_dynamic_max must be less than or equal to memory_static_max\ncannot set domid 1 dynamic max memory to : 2g\n$/);
  const below = await xl(host, "mem-max", "vm1", "512m");
  t.equal(below.code, 1);
  t.match(below.stderr, /memory_static_max must be greater than or or equal to memory_dynamic_max\ncannot set domid 1 static max memory to : 512m\n$/);
  setGuestBehaviour(host.root, host.host, "vm1", { balloonMiBPerS: 0 });
  t.equal((await xl(host, "mem-set", "vm1", "512")).code, 0);
  t.equal(listDomains(host.root, host.host)[0]?.memoryMiB, 768, "without a balloon driver Mem does not move");
});

t.test("shutdown -a asks every guest", async (t) => {
  const { host } = await running(t);
  await xl(host, "create", "-q", writeSampleConfig({ root: host.root, name: "vm2" }));
  t.ok(await untilState(host, "vm2", "-b----"));
  const result = await xl(host, "shutdown", "-a", "-w");
  t.equal(result.code, 0);
  t.match(result.stderr, /^Shutting down domain 1\nShutting down domain 2\nWaiting for 2 domains\n/);
});

t.test("create -F stays in the foreground as the domain's monitor until it dies", async (t) => {
  const host = simHost(t);
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  const foreground = run(host, "xl", ["create", "-F", cfg]);
  t.ok(await untilState(host, "vm1", "-b----"));
  t.equal((await xl(host, "shutdown", "vm1")).code, 0);
  const result = await foreground;
  t.equal(result.exitCode, 0, "returns once the domain is gone");
  t.match(result.stderr, /^Parsing config from .*\nWaiting for domain vm1 \(domid 1\) to die \[pid \d+\]\nDomain 1 has shut down, reason code 0 0x0\n(.*\n)*Done\. Exiting now\n$/);
  t.same(listDomains(host.root, host.host), []);
});

t.test("XEN_SIM_TIME_FACTOR overrides the host's factor for one call", async (t) => {
  const host = simHost(t, { timeFactor: 1 });
  const started = Date.now();
  const result = await runCommand(join(host.binDir, "xl"), ["shutdown", "9"], {
    timeoutMs: 10_000,
    env: { ...host.env, NODE_OPTIONS: undefined, XEN_SIM_TIME_FACTOR: "0.001" },
  });
  t.equal(result.exitCode, 1);
  const slow = await runCommand(join(host.binDir, "xl"), ["info", "host"], { timeoutMs: 10_000, env: { ...host.env, NODE_OPTIONS: undefined } });
  t.equal(slow.stdout, "node1\n");
  t.ok(Date.now() - started < 5_000);
  setHostKnobs(host.root, host.host, { slowMs: { info: 2_000_000 } });
  const fast = await runCommand(join(host.binDir, "xl"), ["info", "host"], {
    timeoutMs: 10_000,
    env: { ...host.env, NODE_OPTIONS: undefined, XEN_SIM_TIME_FACTOR: "0.0001" },
  });
  t.same([fast.exitCode, fast.timedOut], [0, false], "2000 s of latency at factor 0.0001 is 0.2 s, within the 10 s timeout");
});
