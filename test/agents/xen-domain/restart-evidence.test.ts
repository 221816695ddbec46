import t from "tap";
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "../../../lib/exec/command.ts";
import { readUserFile } from "../../../lib/exec/read-user-file.ts";
import type { DomainSettings } from "../../../lib/toolstack/domain-settings.ts";
import type { XenContext } from "../../../agents/xen-domain/deps.ts";
import { observeSettled, type Observation } from "../../../agents/xen-domain/observe.ts";
import { readRestartLogs, restartEvidence } from "../../../agents/xen-domain/restart-evidence.ts";

/**
 * The evidence rule (doc/evidence.md §4) row by row, on a dom0 made of files:
 * a sysroot with /var/log/xen and /proc entries that are links to real
 * processes of this test (a live `xl`, a live `xend`, a dead pid, a pid now
 * running something else). The logs are the lines of tools/xl/xl_vmcontrol.c
 * and XendDomainInfo.py.
 */

const sysroot = mkdtempSync(join(tmpdir(), "xen-ha-evidence-"));
const logDir = join(sysroot, "var", "log", "xen");
mkdirSync(logDir, { recursive: true });
mkdirSync(join(sysroot, "proc"), { recursive: true });

/**
 * A live process whose /proc/PID/cmdline starts with `argv`: bash's exec -a
 * sets argv[0], and `tail ARGS -f /dev/null` stays alive whatever ARGS are
 * (it complains about them and follows /dev/null). The words are fixed
 * test strings, quoted for bash by the test itself.
 */
function liveProcess(argv: readonly string[]): number {
  const child = spawn("bash", ["-c", `exec -a ${argv[0]} tail ${argv.slice(1).map((a) => `'${a}'`).join(" ")} -f /dev/null`], { stdio: "ignore", detached: true });
  child.unref();
  const pid = child.pid as number;
  t.teardown(() => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  });
  symlinkSync(`/proc/${pid}`, join(sysroot, "proc", String(pid)));
  return pid;
}
const xlPid = liveProcess(["/usr/lib/xen-4.17/bin/xl", "create", "/etc/xen/vm1.cfg"]);
const xendPid = liveProcess(["/usr/bin/python", "/usr/sbin/xend", "start"]);
const otherPid = liveProcess(["/usr/sbin/cron", "-f"]);
const deadPid = (() => {
  const done = spawnSync("true");
  return done.pid as number; // reaped: no /proc entry (a reuse in the next seconds is very unlikely)
})();
symlinkSync(`/proc/${deadPid}`, join(sysroot, "proc", String(deadPid)));
t.teardown(() => rmSync(sysroot, { recursive: true, force: true }));

function context(tool: "xl" | "xm"): XenContext {
  const log = { info: () => {}, warn: () => {}, debug: () => {}, error: () => {} };
  return {
    deps: {
      env: { XEN_HA_SYSROOT: sysroot },
      toolstack: () => ({ name: tool }),
      readLogTail: (path: string, limits: { maxBytes: number; timeoutMs: number }) => readUserFile(runCommand, path, { ...limits, env: {}, tail: true }),
    },
    deadline: { remainingMs: () => 20_000 },
    log,
  } as unknown as XenContext;
}

const absent: Observation = { kind: "absent", name: "vm1" };
const rebooting = { kind: "rebooting", name: "vm1", domain: { domid: 5 } } as unknown as Observation;
const waiting = (domid: number, pid: number, name = "vm1") => `Waiting for domain ${name} (domid ${domid}) to die [pid ${pid}]`;
const restartLines = ["Domain 5 has shut down, reason code 1 0x1", "Action for shutdown reason code 1 is restart", "Domain 5 needs to be cleaned up: destroying the domain"];
const xendLine = (pid: number, level: string, message: string) => `[2013-04-02 10:11:12 ${pid}] ${level} (XendDomainInfo:2083) ${message}`;

interface Row {
  readonly name: string;
  readonly tool?: "xl" | "xm";
  /** The domid the action saw running; "none" for an action that saw none. */
  readonly domid?: "none";
  /** File name under /var/log/xen -> its lines; a string is written as it is. */
  readonly logs: Readonly<Record<string, readonly string[] | "fifo" | "dir">>;
  readonly observation?: Observation;
  readonly settings?: Partial<DomainSettings>;
  readonly restarting: boolean;
  /** A "no" that lines logged after the read cannot overturn (restart-evidence.ts); false when unset. */
  readonly lasting?: boolean;
  readonly why: RegExp;
}

const ROWS: readonly Row[] = [
  { name: "xl restarting, in the 2 s gap", logs: { "xl-vm1.log": [waiting(5, xlPid), ...restartLines, "Done. Rebooting now"] }, restarting: true, why: /monitoring process \d+ is restarting it \('Done\. Rebooting now'/ },
  { name: "xl restarting, destroy still running", logs: { "xl-vm1.log": [waiting(5, xlPid), ...restartLines] }, restarting: true, why: /is restarting it/ },
  { name: "xl rename-restart", logs: { "xl-vm1.log": [waiting(5, xlPid), "Action for shutdown reason code 1 is rename-restart", "Preserving domain 5 vm1 with suffix-20130402T1011Z"] }, restarting: true, why: /is restarting it/ },
  { name: "an earlier restart completed: the tail starts at the last Waiting line", logs: { "xl-vm1.log": [waiting(4, xlPid), ...restartLines, "Done. Rebooting now", waiting(5, xlPid), "Domain 5 has been destroyed."] }, restarting: false, lasting: true, why: /is done with it: 'Domain 5 has been destroyed\.'/ },
  { name: "the restart ended between the look and the read: a newer domain is watched", logs: { "xl-vm1.log": [waiting(5, xlPid), ...restartLines, "Done. Rebooting now", waiting(6, xlPid)] }, restarting: true, why: /re-created it as domain 6/ },
  {
    name: "that newer domain is listed paused: xl unpaused it, someone paused it since",
    logs: { "xl-vm1.log": [waiting(5, xlPid), ...restartLines, "Done. Rebooting now", waiting(6, xlPid)] },
    observation: { kind: "paused", name: "vm1", domain: { domid: 6 } } as unknown as Observation,
    restarting: false,
    why: /re-created it as domain 6 and unpaused it; it was paused since/,
  },
  { name: "destroyed from outside, the monitor not yet told", logs: { "xl-vm1.log": [waiting(5, xlPid)] }, restarting: false, why: /went without a shutdown/ },
  { name: "monitor alive, but its log says it exits (on_poweroff=destroy)", logs: { "xl-vm1.log": [waiting(5, xlPid), "Domain 5 has shut down, reason code 0 0x0", "Action for shutdown reason code 0 is destroy", "Domain 5 needs to be cleaned up: destroying the domain", "Done. Exiting now"] }, restarting: false, lasting: true, why: /done with it: 'Done\. Exiting now'/ },
  { name: "monitor alive, action destroy, destroy still running", logs: { "xl-vm1.log": [waiting(5, xlPid), "Domain 5 has shut down, reason code 0 0x0", "Action for shutdown reason code 0 is destroy"] }, restarting: false, lasting: true, why: /does not restart it \(action destroy\)/ },
  { name: "the restart's create failed: the monitor exited", logs: { "xl-vm1.log": [waiting(5, deadPid), ...restartLines, "Done. Rebooting now", "libxl: error: libxl_create.c:1200:domcreate_rebuild_done: Domain 6:cannot (re-)build domain: -3"] }, restarting: false, lasting: true, why: /monitoring process \d+ is gone/ },
  { name: "the logged pid now runs another program", logs: { "xl-vm1.log": [waiting(5, otherPid), ...restartLines] }, restarting: false, lasting: true, why: /no xl monitoring process now \(\/usr\/sbin\/cron -f -f \/dev\/null\)/ },
  { name: "still listed shut down for reboot, the live monitor has not acted yet", logs: { "xl-vm1.log": [waiting(5, xlPid)] }, observation: rebooting, restarting: true, why: /yet to act on the shutdown/ },
  { name: "migrated in: the monitor logs to xl-NAME--incoming.log", logs: { "xl-vm1--incoming.log": [waiting(5, xlPid, "vm1--incoming"), ...restartLines] }, restarting: true, why: /in xl-vm1--incoming\.log/ },
  { name: "a stale xl-NAME.log beside the live --incoming one", logs: { "xl-vm1.log": [waiting(2, deadPid), "Domain 2 has been destroyed."], "xl-vm1--incoming.log": [waiting(5, xlPid, "vm1--incoming"), ...restartLines] }, restarting: true, why: /is restarting it/ },
  { name: "another domain's lines only (vm10 is not vm1)", logs: { "xl-vm1.log": [waiting(5, xlPid, "vm10"), ...restartLines] }, restarting: false, lasting: true, why: /names no monitoring process for vm1/ },
  { name: "no log (xl create -e, or never created here)", logs: {}, restarting: false, lasting: true, why: /xl-vm1\.log cannot be read on this host \(.*No such file or directory\)/ },
  { name: "the log is a FIFO: refused, never opened", logs: { "xl-vm1.log": "fifo" }, restarting: false, why: /xl-vm1\.log is a fifo, not a regular file/ },
  { name: "the log is a directory", logs: { "xl-vm1.log": "dir" }, restarting: false, why: /is a directory, not a regular file/ },
  {
    name: "a long log (a guest that keeps rebooting): its end is read",
    logs: { "xl-vm1.log": [...Array.from({ length: 4000 }, (_, i) => `${waiting(i + 1, xlPid)}\n${restartLines.join("\n")}\nDone. Rebooting now`), waiting(5, xlPid), ...restartLines] },
    restarting: true,
    why: /is restarting it/,
  },
  { name: "xm: xend restarting after a reboot", tool: "xm", logs: { "xend.log": [xendLine(xendPid, "INFO", "Domain has shutdown: name=vm1 id=5 reason=reboot."), xendLine(xendPid, "DEBUG", "XendDomainInfo.destroy: domid=5")] }, restarting: true, why: /xend \(pid \d+\) is restarting it after a reboot/ },
  { name: "xm: a crash restarts by xend's default", tool: "xm", logs: { "xend.log": [xendLine(xendPid, "WARNING", "Domain has crashed: name=vm1 id=5.")] }, restarting: true, why: /after a crash/ },
  { name: "xm: on_crash=destroy", tool: "xm", settings: { onCrash: "destroy" }, logs: { "xend.log": [xendLine(xendPid, "WARNING", "Domain has crashed: name=vm1 id=5.")] }, restarting: false, lasting: true, why: /does not restart vm1 after a crash \(destroy\)/ },
  { name: "xm: poweroff (destroy by default)", tool: "xm", logs: { "xend.log": [xendLine(xendPid, "INFO", "Domain has shutdown: name=vm1 id=5 reason=poweroff.")] }, restarting: false, lasting: true, why: /after a poweroff \(destroy\)/ },
  {
    name: "xm: restarting too fast",
    tool: "xm",
    logs: { "xend.log": [xendLine(xendPid, "INFO", "Domain has shutdown: name=vm1 id=5 reason=reboot."), xendLine(xendPid, "ERROR", "VM vm1 restarting too fast (Elapsed time: 12.500000 seconds). Refusing to restart to avoid loops.")] },
    restarting: false, lasting: true,
    why: /xend gave up: 'VM vm1 restarting too fast/,
  },
  { name: "xm: the restart failed", tool: "xm", logs: { "xend.log": [xendLine(xendPid, "INFO", "Domain has shutdown: name=vm1 id=5 reason=reboot."), xendLine(xendPid, "ERROR", "Failed to restart domain 5.")] }, restarting: false, lasting: true, why: /xend gave up: 'Failed to restart domain 5\.'/ },
  { name: "xm: an older shutdown (domain 4), then destroyed from outside", tool: "xm", logs: { "xend.log": [xendLine(xendPid, "INFO", "Domain has shutdown: name=vm1 id=4 reason=reboot.")] }, restarting: false, why: /is of domain 4, not 5/ },
  {
    name: "xm: an action that saw no domain: xend's last shutdown of the name counts, whatever its domid",
    tool: "xm",
    domid: "none",
    logs: { "xend.log": [xendLine(xendPid, "INFO", "Domain has shutdown: name=vm1 id=4 reason=reboot.")] },
    restarting: true,
    why: /xend \(pid \d+\) is restarting it after a reboot/,
  },
  { name: "xm: an action that saw no domain, xend gave up", tool: "xm", domid: "none", logs: { "xend.log": [xendLine(xendPid, "INFO", "Domain has shutdown: name=vm1 id=4 reason=reboot."), xendLine(xendPid, "ERROR", "Failed to restart domain 4.")] }, restarting: false, lasting: true, why: /xend gave up/ },
  { name: "xm: xend is gone", tool: "xm", logs: { "xend.log": [xendLine(deadPid, "INFO", "Domain has shutdown: name=vm1 id=5 reason=reboot.")] }, restarting: false, lasting: true, why: /xend \(pid \d+, which logged the reboot\) is gone/ },
  { name: "xm: no xend.log", tool: "xm", logs: {}, restarting: false, lasting: true, why: /xend\.log cannot be read/ },
];

for (const row of ROWS) {
  t.test(row.name, async (t) => {
    rmSync(logDir, { recursive: true, force: true });
    mkdirSync(logDir, { recursive: true });
    for (const [file, content] of Object.entries(row.logs)) {
      const path = join(logDir, file);
      if (content === "fifo") spawnSync("mkfifo", [path]);
      else if (content === "dir") mkdirSync(path);
      else writeFileSync(path, `${content.join("\n")}\n`);
    }
    const settings = row.settings ? ({ onPoweroff: "destroy", onReboot: "restart", ...row.settings } as DomainSettings) : undefined;
    const started = Date.now();
    const evidence = await restartEvidence(context(row.tool ?? "xl"), "vm1", row.observation ?? absent, settings, row.domid === "none" ? undefined : 5);
    t.equal(evidence.restarting, row.restarting, "restarting");
    t.equal(evidence.lasting, row.lasting ?? false, "lasting");
    t.match(evidence.why, row.why, "why");
    t.ok(Date.now() - started < 5_000, "answers without blocking");
  });
}

/**
 * Stop reads the logs while its first look runs (stop.ts); observeSettled
 * takes only a lasting "no" from that early reading. Here the guest reboots
 * between the read and the look: the early logs show a monitor that has
 * logged nothing, the look finds the domain gone for its restart. Read
 * again after the look, the logs say so, and the wait finds it back.
 */
t.test("logs read before the look: only a lasting answer stands on them", async (t) => {
  const log = join(logDir, "xl-vm1.log");
  const settings = { onPoweroff: "destroy", onReboot: "restart", onCrash: "destroy" } as DomainSettings;
  const settled = (lines: readonly string[], after: readonly string[], later: Observation) => {
    rmSync(logDir, { recursive: true, force: true });
    mkdirSync(logDir, { recursive: true });
    writeFileSync(log, `${lines.join("\n")}\n`);
    const base = context("xl");
    let reads = 0;
    const ctx = {
      ...base,
      deps: {
        ...base.deps,
        readLogTail: (path: string, limits: { maxBytes: number; timeoutMs: number }) => ((reads += 1), base.deps.readLogTail(path, limits)),
        toolstack: () => ({ name: "xl", lookup: async () => (later.kind === "absent" ? { present: false } : { present: true, domain: later.domain }) }),
        sleep: async () => {},
      },
      deadline: { remainingMs: () => 20_000, elapsedMs: () => 0 },
    } as unknown as XenContext;
    const early = readRestartLogs(ctx, "vm1");
    return early.then(async () => {
      if (after.length > 0) appendFileSync(log, `${after.join("\n")}\n`);
      const observation = await observeSettled(ctx, "vm1", settings, 5, absent, early);
      return { observation, reads };
    });
  };
  const back = { kind: "running", name: "vm1", domain: { domid: 6, state: { letters: "-b----" } } } as unknown as Observation;

  const rebooted = await settled([waiting(5, xlPid)], [...restartLines, "Done. Rebooting now"], back);
  t.equal(rebooted.observation.kind, "running", "the restart seen after the look was waited for, not reported gone");
  t.equal(rebooted.reads, 4, "both logs read with the look, and again after it");

  const gone = await settled([waiting(5, deadPid), "Domain 5 has shut down, reason code 3 0x3", "Action for shutdown reason code 3 is destroy"], [], back);
  t.equal(gone.observation.kind, "absent", "its monitoring process is gone: the domain is gone for good");
  t.equal(gone.reads, 2, "the logs read with the look stand: no second read");
});
