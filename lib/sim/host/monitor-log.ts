import { appendFileSync, existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { SimContext } from "../context.ts";
import { hostPaths } from "./paths.ts";

/**
 * What the toolstack's lifecycle daemon writes, and where (doc/xl-behaviour.md
 * §2.4): xl's per-domain monitor appends untimestamped lines to
 * /var/log/xen/xl-NAME.log (tools/xl/xl_vmcontrol.c create_domain,
 * handle_domain_death, preserve_domain; xl_utils.c dolog), xend appends
 * `[date time pid] LEVEL (module:line) message` lines to /var/log/xen/xend.log
 * (tools/python/xen/xend/XendDomainInfo.py refreshShutdown, _restart,
 * _preserveForRestart; XendLogging.py). XenDomain reads both as its
 * evidence that a restart is under way, so the texts are verbatim.
 */
export interface MonitorLog {
  waiting(name: string, domid: number): void;
  /** Died without a shutdown (an `xl destroy` from outside). */
  destroyed(domid: number): void;
  shutDown(domid: number, name: string, reason: string, code: number): void;
  suspended(): void;
  /** xend only: a restart within xend's MINIMUM_RESTART_TIME of the start is refused. */
  tooFast(name: string, elapsedSeconds: number): void;
  action(code: number, action: string): void;
  coreDump(name: string): void;
  preserving(domid: number, name: string, suffix: string): void;
  cleaningUp(domid: number): void;
  exiting(): void;
  rebooting(): void;
  restartFailed(domid: number, detail: string): void;
  /** The simulator's own trouble (an exception in the daemon). */
  internal(detail: string): void;
}

const ROTATIONS = 10;

/**
 * libxl_create_logfile (tools/libs/light/libxl_utils.c): at daemonize time
 * xl-NAME.log becomes .1, .1 becomes .2, ... up to .10; restarts append.
 */
export function rotateLog(file: string): void {
  for (let i = ROTATIONS - 1; i >= 1; i--) if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
  if (existsSync(file)) renameSync(file, `${file}.1`);
}

export const xlLogFile = (ctx: SimContext, name: string): string => join(hostPaths(ctx.root, ctx.host).logDir, `xl-${name}.log`);
export const xendLogFile = (ctx: SimContext): string => join(hostPaths(ctx.root, ctx.host).logDir, "xend.log");

/** Appends each line to `file` as it comes (xl's dolog writes straight to the fd, unbuffered). */
export const appendTo =
  (file: string) =>
  (line: string): void =>
    appendFileSync(file, `${line}\n`);

/** xl's monitor: one line per event, as tools/xl/xl_vmcontrol.c LOGs them (to the log file, or stderr with -F). */
export function xlMonitorLog(log: (line: string) => void, pid = process.pid): MonitorLog {
  return {
    waiting: (name, domid) => log(`Waiting for domain ${name} (domid ${domid}) to die [pid ${pid}]`),
    destroyed: (domid) => log(`Domain ${domid} has been destroyed.`),
    shutDown: (domid, _name, _reason, code) => log(`Domain ${domid} has shut down, reason code ${code} 0x${code.toString(16)}`),
    suspended: () => log("Domain has suspended."),
    tooFast: () => {},
    action: (code, action) => log(`Action for shutdown reason code ${code} is ${action}`),
    coreDump: (name) => log(`dumping core to /var/lib/xen/dump/${name}`),
    preserving: (domid, name, suffix) => log(`Preserving domain ${domid} ${name} with suffix${suffix}`),
    cleaningUp: (domid) => log(`Domain ${domid} needs to be cleaned up: destroying the domain`),
    exiting: () => log("Done. Exiting now"),
    rebooting: () => log("Done. Rebooting now"),
    restartFailed: (_domid, detail) => log(detail.trimEnd()),
    internal: (detail) => log(detail),
  };
}

/** `2026-12-03 16:30:05`, local time as Python's logging.Formatter prints asctime (without the milliseconds xend's datefmt drops). */
function asctime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/**
 * xend's log lines about one domain (XendLogging.py LOGFILE_FORMAT). The
 * `(module:line)` numbers here are placeholders: real ones differ per
 * release, and nothing should match on them.
 */
export function xendMonitorLog(file: string, pid = process.pid): MonitorLog {
  const log = (level: string, line: number, message: string): void => appendTo(file)(`[${asctime(new Date())} ${pid}] ${level} (XendDomainInfo:${line}) ${message}`);
  const quiet = (): void => {};
  return {
    waiting: quiet,
    destroyed: quiet,
    shutDown: (domid, name, reason) =>
      reason === "crash" ? log("WARNING", 2069, `Domain has crashed: name=${name} id=${domid}.`) : log("INFO", 2083, `Domain has shutdown: name=${name} id=${domid} reason=${reason}.`),
    suspended: quiet,
    tooFast: (name, elapsed) =>
      log("ERROR", 2197, `VM ${name} restarting too fast (Elapsed time: ${elapsed.toFixed(6)} seconds). Refusing to restart to avoid loops.`),
    action: quiet,
    coreDump: quiet,
    preserving: (domid, name) => log("INFO", 2253, `Preserving dead domain ${name} (${domid}).`),
    cleaningUp: (domid) => log("DEBUG", 3095, `XendDomainInfo.destroy: domid=${domid}`),
    exiting: quiet,
    rebooting: quiet,
    restartFailed: (domid) => log("ERROR", 2240, `Failed to restart domain ${domid}.`),
    internal: (detail) => log("ERROR", 0, detail),
  };
}
