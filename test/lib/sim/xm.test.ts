import t from "tap";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setGuestBehaviour, setHostKnobs, stopGuest, writeSampleConfig } from "../../../lib/sim/index.ts";
import { inProcess, simHost, stateOf, untilState, xm } from "./support.ts";

/** The xm persona (Xen 3.4, xend): its layouts, exit 3 for unknown domains, its lifecycle (doc/xl-behaviour.md §0.2, §1.7, §2.6, §3.5). */

t.test("an xm host has xm and ssh, no xl", async (t) => {
  const host = simHost(t, { persona: "xm" });
  t.same(readdirSync(host.binDir).sort(), ["ssh", "stat", "xm"]);
  const none = simHost(t, { persona: "none" });
  t.same(readdirSync(none.binDir).sort(), ["ssh", "stat"], "a host without a toolstack has neither");
});

t.test("xm without guests", async (t) => {
  const host = simHost(t, { persona: "xm" });
  const rows: [string[], number, string | RegExp, string | RegExp][] = [
    [["list"], 0, /^Name {40}ID {3}Mem VCPUs {6}State {3}Time\(s\)\nDomain-0 {32} {5}0 {2}2048 {5}8 {5}r----- +\d+\.\d\n$/, ""],
    [["list", "nosuch"], 3, "", "Error: Domain 'nosuch' does not exist.\n"],
    [["domid", "nosuch"], 3, "", "Error: Domain 'nosuch' does not exist.\n"],
    [["domname", "7"], 3, "", "Error: Domain '7' does not exist.\n"],
    [["destroy", "nosuch"], 3, "", "Error: Domain 'nosuch' does not exist.\n"],
    [["shutdown", "nosuch"], 3, "", "Error: Domain 'nosuch' does not exist.\n"],
    [["frob"], 1, /^Usage: xm <subcommand>/, "Error: Subcommand frob not found!\n"],
    [["info"], 0, /^system {17}: Linux\nhost {19}: node1\n(.*\n)*xen_major {14}: 3\nxen_minor {14}: 4\nxen_extra {14}: \.4\n/, ""],
    [["create", "nosuch.cfg"], 1, "", /^Error: Unable to open config file: nosuch\.cfg\nUsage: xm create/],
  ];
  for (const [argv, code, stdout, stderr] of rows) {
    const result = await xm(host, ...argv);
    t.equal(result.code, code, `xm ${argv.join(" ")}: exit`);
    if (typeof stdout === "string") t.equal(result.stdout, stdout, `xm ${argv.join(" ")}: stdout`);
    else t.match(result.stdout, stdout, `xm ${argv.join(" ")}: stdout`);
    if (typeof stderr === "string") t.equal(result.stderr, stderr, `xm ${argv.join(" ")}: stderr`);
    else t.match(result.stderr, stderr, `xm ${argv.join(" ")}: stderr`);
  }
  setHostKnobs(host.root, host.host, { hypervisor: false });
  const noXend = await xm(host, "list");
  t.same([noXend.code, noXend.stderr], [1, "Error: Unable to connect to xend: No such file or directory. Is xend running?\n"]);
});

t.test("xm create, list -l, shutdown, crash", async (t) => {
  const host = simHost(t, { persona: "xm" });
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  const created = await inProcess(host, "xm", ["create", "vm1.cfg", "name=vm1"], host.sharedDir);
  t.same([created.code, created.stdout, created.stderr], [0, 'Using config file "./vm1.cfg".\nStarted domain vm1 (id=1)\n', ""]);
  t.ok(await untilState(host, "vm1", "-b----"));
  const long = await xm(host, "list", "-l", "vm1");
  t.match(long.stdout, /^\(domain\n {4}\(domid 1\)\n(.*\n)* {4}\(name vm1\)\n(.*\n)* {4}\(status 2\)\n {4}\(state -b----\)\n/);
  const clash = await xm(host, "create", cfg);
  t.same([clash.code, clash.stderr], [1, "Error: Domain 'vm1' already exists with ID '1'\n"]);
  await xm(host, "pause", "vm1");
  t.match((await xm(host, "list", "-l", "vm1")).stdout, /\(status 1\)\n {4}\(state --p---\)/);
  await xm(host, "pause", "vm1");
  await xm(host, "unpause", "vm1");
  t.ok(await untilState(host, "vm1", "-b----"), "xend's pause is a flag");
  setGuestBehaviour(host.root, host.host, "vm1", { shutdownMs: 50_000 });
  const started = Date.now();
  const shutdown = await xm(host, "shutdown", "vm1");
  t.same([shutdown.code, shutdown.stdout, shutdown.stderr], [0, "", ""]);
  t.ok(Date.now() - started < 300, "xm shutdown returns at once");
  t.equal(stateOf(host, "vm1"), "-b----", "still shutting down");
  t.ok(await untilState(host, "vm1", undefined), "xend destroys it once it is down");

  await xm(host, "create", cfg, 'on_crash="preserve"');
  t.ok(await untilState(host, "vm1", "-b----"));
  stopGuest(host.root, host.host, "vm1", "crash");
  t.ok(await untilState(host, "vm1", "---sc-"), "ground truth is xl's letters");
  const list = await xm(host, "list", "vm1");
  t.match(list.stdout, /\nvm1 {42}2 {3}512 {5}1 {5}----c- +\d+\.\d\n$/, "xm shows a crash as ----c-");
  t.match((await xm(host, "list", "-l", "vm1")).stdout, /\(status 5\)/);
});

t.test("xm shutdown hard-stops an HVM guest without PV drivers; -w waits for it to go", async (t) => {
  const host = simHost(t, { persona: "xm" });
  const cfg = writeSampleConfig({ root: host.root, name: "hvm1", type: "hvm", extraLines: ["xen_platform_pci = 0"] });
  t.equal((await xm(host, "create", cfg)).code, 0);
  t.ok(await untilState(host, "hvm1", "-b----"));
  const result = await xm(host, "shutdown", "-w", "hvm1");
  t.same([result.code, result.stdout], [0, "Domain hvm1 terminated\nAll domains terminated\n"]);
});

t.test("xend refuses to restart a guest that dies within 60 s of starting", async (t) => {
  const host = simHost(t, { persona: "xm" });
  // 60 s scaled to 600 ms is shorter than a loaded machine takes to start the processes: use 10 s
  setHostKnobs(host.root, host.host, { timing: { xmMinimumRestartMs: 1_000_000 } });
  const cfg = writeSampleConfig({ root: host.root, name: "vm1", extraLines: ['on_crash = "restart"'] });
  await xm(host, "create", cfg);
  t.ok(await untilState(host, "vm1", "-b----"));
  stopGuest(host.root, host.host, "vm1", "crash");
  t.ok(await untilState(host, "vm1", undefined), "destroyed, not restarted");
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(stateOf(host, "vm1"), undefined, "and it stays gone");
});

t.test("xm dump-core writes the core and resumes the domain; -C destroys it after; an unwritable path is an error", async (t) => {
  const host = simHost(t, { persona: "xm" });
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  t.equal((await xm(host, "create", cfg)).code, 0);
  t.ok(await untilState(host, "vm1", "-b----"));
  const core = join(host.root, "vm1.core");
  const dumped = await xm(host, "dump-core", "vm1", core);
  t.same([dumped.code, dumped.stdout, dumped.stderr], [0, "", ""]);
  t.match(readFileSync(core, "utf8"), /^xen-sim core of vm1 domid=\d+ memory=\d+MiB host=node1\n$/);
  t.equal(stateOf(host, "vm1"), "-b----", "unpaused after the dump");
  const refused = await xm(host, "dump-core", "vm1", join(host.root, "missing", "vm1.core"));
  t.same([refused.code, refused.stderr], [1, `Error: Failed to dump core: [Errno 2] No such file or directory: '${join(host.root, "missing", "vm1.core")}'\n`]);
  t.equal(stateOf(host, "vm1"), "-b----", "a failed dump leaves it running");
  t.equal((await xm(host, "dump-core", "-C", "vm1", core)).code, 0);
  t.equal(stateOf(host, "vm1"), undefined, "-C: dumped, then destroyed");
});
