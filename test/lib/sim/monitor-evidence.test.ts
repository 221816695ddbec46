import t from "tap";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listDomains, setHostKnobs, stopGuest, writeSampleConfig, type SimHost } from "../../../lib/sim/index.ts";
import { eventually, simHost, sleep, untilState, xl, xm } from "./support.ts";

/**
 * What the simulated lifecycle daemon leaves for an observer to read, where a
 * real dom0 has it (doc/xl-behaviour.md §2.4, §7.4; doc/evidence.md §4):
 * its process in /proc with xl's command line, its log in /var/log/xen, the
 * lines of tools/xl/xl_vmcontrol.c in their order, and a restart's order
 * in time: destroy, the 2 s gap, the new domain.
 */

const sysroot = (host: SimHost): string => host.env["XEN_HA_SYSROOT"] as string;
const xenLog = (host: SimHost, file: string): string => readFileSync(join(sysroot(host), "var", "log", "xen", file), "utf8");
const waitingPid = (log: string): number => Number(/\[pid (\d+)\]\n$/.exec(log)?.[1]);
/** /proc/PID/cmdline split as ps does: NUL-separated words, or one title with spaces (setproctitle style). */
function cmdline(host: SimHost, pid: number): string[] | undefined {
  try {
    const words = readFileSync(join(sysroot(host), "proc", String(pid), "cmdline"), "latin1").split("\0").filter(Boolean);
    return words.length === 1 ? (words[0] as string).split(" ") : words;
  } catch {
    return undefined;
  }
}

t.test("xl create: the monitor shows in the host's /proc with its xl command line, and its pid in the log", async (t) => {
  const host = simHost(t);
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  t.equal((await xl(host, "create", "-q", cfg)).code, 0);
  t.ok(await eventually(() => existsSync(join(sysroot(host), "var", "log", "xen", "xl-vm1.log"))), "/var/log/xen/xl-vm1.log under the kernel view");
  const log = xenLog(host, "xl-vm1.log");
  t.match(log, /^Waiting for domain vm1 \(domid 1\) to die \[pid \d+\]\n$/);
  const pid = waitingPid(log);
  t.equal(pid, listDomains(host.root, host.host)[0]?.monitorPid, "the pid the log names is the monitor's");
  t.same(cmdline(host, pid), ["xl", "create", "-q", cfg], "the argv of the xl create that forked it");
});

t.test("an xl destroy from outside: 'has been destroyed.', the monitor exits, its /proc entry goes", async (t) => {
  const host = simHost(t);
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  await xl(host, "create", "-q", cfg);
  t.ok(await untilState(host, "vm1", "-b----"));
  const pid = waitingPid(xenLog(host, "xl-vm1.log"));
  t.equal((await xl(host, "destroy", "vm1")).code, 0);
  t.ok(await eventually(() => cmdline(host, pid) === undefined), "no /proc entry once it exited");
  t.match(xenLog(host, "xl-vm1.log"), /\[pid \d+\]\nDomain 1 has been destroyed\.\n$/);
});

t.test("reboot with on_reboot=restart: the lines in xl's order, destroy before the gap, the gap before the new domain", async (t) => {
  // time factor 0.25: the 2 s sleep lasts 500 ms, long enough to see
  const host = simHost(t, { timeFactor: 0.25 });
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  await xl(host, "create", "-q", cfg);
  t.ok(await untilState(host, "vm1", "-b----", 20_000));
  const pid = waitingPid(xenLog(host, "xl-vm1.log"));
  t.equal((await xl(host, "reboot", "vm1")).code, 0);
  t.ok(await eventually(() => !listDomains(host.root, host.host).some((d) => d.name === "vm1"), 20_000), "the name goes");
  const goneAt = Date.now();
  const atGap = xenLog(host, "xl-vm1.log");
  t.match(atGap, /Action for shutdown reason code 1 is restart\nDomain 1 needs to be cleaned up: destroying the domain\n/, "the restart is in the log before the name goes");
  t.notMatch(atGap, /Exiting|has been destroyed/);
  t.same(cmdline(host, pid)?.slice(0, 2), ["xl", "create"], "the monitor lives through the gap");
  t.ok(await eventually(() => listDomains(host.root, host.host).some((d) => d.name === "vm1"), 20_000), "back");
  const gapMs = Date.now() - goneAt;
  t.ok(gapMs >= 500, `no domain for at least the 2 s sleep, scaled (${gapMs} ms)`);
  t.equal(listDomains(host.root, host.host).find((d) => d.name === "vm1")?.domid, 2, "a new domid");
  t.ok(await eventually(() => xenLog(host, "xl-vm1.log").includes("(domid 2)"), 20_000));
  t.equal(
    xenLog(host, "xl-vm1.log"),
    `Waiting for domain vm1 (domid 1) to die [pid ${pid}]\n` +
      "Domain 1 has shut down, reason code 1 0x1\n" +
      "Action for shutdown reason code 1 is restart\n" +
      "Domain 1 needs to be cleaned up: destroying the domain\n" +
      "Done. Rebooting now\n" +
      `Waiting for domain vm1 (domid 2) to die [pid ${pid}]\n`,
    "xl_vmcontrol.c's lines, one monitor throughout",
  );
});

t.test("the log is rotated when a new monitor starts (.1 ... .10), restarts append", async (t) => {
  const host = simHost(t);
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  writeFileSync(join(sysroot(host), "var", "log", "xen", "xl-vm1.log.10"), "oldest\n");
  await xl(host, "create", "-q", cfg);
  t.ok(await untilState(host, "vm1", "-b----"));
  await xl(host, "destroy", "vm1");
  t.ok(await eventually(() => xenLog(host, "xl-vm1.log").includes("destroyed")));
  await xl(host, "create", "-q", cfg);
  t.ok(await eventually(() => xenLog(host, "xl-vm1.log").includes("Waiting")));
  t.match(xenLog(host, "xl-vm1.log"), /^Waiting for domain vm1 \(domid 2\)[^\n]*\n$/, "a fresh log");
  t.match(xenLog(host, "xl-vm1.log.1"), /\(domid 1\)[^]*Domain 1 has been destroyed\.\n$/, "the last one is .1");
  t.notOk(existsSync(join(sysroot(host), "var", "log", "xen", "xl-vm1.log.11")), "never more than 10");
});

t.test("a guest powered off (on_poweroff=destroy): the monitor says it exits and ends", async (t) => {
  const host = simHost(t);
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  await xl(host, "create", "-q", cfg);
  t.ok(await untilState(host, "vm1", "-b----"));
  const pid = waitingPid(xenLog(host, "xl-vm1.log"));
  stopGuest(host.root, host.host, "vm1", "poweroff");
  t.ok(await untilState(host, "vm1", undefined));
  t.ok(await eventually(() => cmdline(host, pid) === undefined));
  t.match(xenLog(host, "xl-vm1.log"), /Action for shutdown reason code 0 is destroy\nDomain 1 needs to be cleaned up: destroying the domain\nDone\. Exiting now\n$/);
});

t.test("xm: xend restarts without the sleep and logs to xend.log in its format; a restart too soon is refused", async (t) => {
  const host = simHost(t, { persona: "xm", timeFactor: 0.25 });
  setHostKnobs(host.root, host.host, { timing: { xmMinimumRestartMs: 0 } });
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  t.equal((await xm(host, "create", cfg)).code, 0);
  t.ok(await untilState(host, "vm1", "-b----", 20_000));
  const first = listDomains(host.root, host.host)[0]?.domid as number;
  stopGuest(host.root, host.host, "vm1", "reboot");
  t.ok(await eventually(() => listDomains(host.root, host.host).some((d) => d.name === "vm1" && d.domid !== first), 20_000), "back under a new domid");
  const log = xenLog(host, "xend.log");
  const line = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (\d+)\] INFO \(XendDomainInfo:\d+\) Domain has shutdown: name=vm1 id=(\d+) reason=reboot\.$/m.exec(log);
  t.ok(line, `the shutdown line: ${log}`);
  t.equal(Number(line?.[2]), first);
  t.same(cmdline(host, Number(line?.[1]))?.slice(1), ["/usr/sbin/xend", "start"], "the writer's pid is a live xend");
  t.match(log, new RegExp(`DEBUG \\(XendDomainInfo:\\d+\\) XendDomainInfo\\.destroy: domid=${first}\\n`));
  t.notOk(existsSync(join(sysroot(host), "var", "log", "xen", "xl-vm1.log")), "no xl log under xend");

  setHostKnobs(host.root, host.host, { timing: { xmMinimumRestartMs: 1_000_000 } });
  await sleep(300); // the daemon reads its timing afresh
  stopGuest(host.root, host.host, "vm1", "reboot");
  t.ok(await untilState(host, "vm1", undefined, 20_000), "gone for good");
  t.match(xenLog(host, "xend.log"), /ERROR \(XendDomainInfo:\d+\) VM vm1 restarting too fast \(Elapsed time: \d+\.\d{6} seconds\)\. Refusing to restart to avoid loops\.\n/);
});
