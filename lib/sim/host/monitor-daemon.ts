import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { simContext, type ToolIo } from "../context.ts";
import { monitorDomain, registerMonitor } from "./monitor.ts";
import { appendTo, rotateLog, xendLogFile, xendMonitorLog, xlLogFile, xlMonitorLog } from "./monitor-log.ts";
import { hostPaths } from "./paths.ts";
import { COMMAND_ENV, ignoreStrayWakes } from "./processes.ts";
import { findByDomid } from "./store.ts";

/**
 * The command line the daemon shows in /proc/PID/cmdline. xl's monitor is
 * the `xl create` (restore, migrate-receive) process itself, forked and
 * daemonized: it keeps that argv and never renames itself (tools/xl/
 * xl_utils.c do_daemonize; no prctl or setproctitle in tools/xl). The tool
 * that starts the daemon passes its argv in COMMAND_ENV (lifecycle.ts
 * childEnv). xend is `python /usr/sbin/xend start`.
 */
function commandLine(io: ToolIo, xend: boolean): string {
  if (xend) return "/usr/bin/python /usr/sbin/xend start";
  try {
    const argv = JSON.parse(io.env[COMMAND_ENV] ?? "") as unknown;
    if (Array.isArray(argv) && argv.length > 0) return argv.map(String).join(" ");
  } catch {
    // started by hand: the plainest xl command line
  }
  return "xl create";
}

/**
 * Shows this process in the host's /proc (its kernel view, where XenDomain
 * looks under XEN_HA_SYSROOT): a link to the real /proc/PID, so the
 * simulated entry lives and dies with the process and reads what the
 * kernel says of it. A stale link left by a killed daemon dangles, as a
 * dead pid's /proc entry is gone.
 */
function showInProc(root: string, host: string): () => void {
  const proc = join(hostPaths(root, host).sysrootDir, "proc");
  const link = join(proc, String(process.pid));
  try {
    mkdirSync(proc, { recursive: true });
    rmSync(link, { force: true, recursive: true });
    symlinkSync(`/proc/${process.pid}`, link);
  } catch {
    // no kernel view (a host written by an older simulator): nothing to show
  }
  return () => rmSync(link, { force: true });
}

/** The detached monitor process: registers itself, reports ready, then watches the domain. */
export async function runMonitorDaemon(root: string, host: string, domid: number, uuid: string, io: ToolIo): Promise<number> {
  ignoreStrayWakes();
  const ctx = simContext(root, host, io);
  const xend = ctx.persona.tool === "xm";
  // libuv rewrites the argv area: /proc/PID/cmdline reads the new title (NUL-padded, spaces kept)
  process.title = commandLine(io, xend);
  const name = findByDomid(ctx.read(), domid)?.name;
  if (!name || !registerMonitor(ctx, domid, uuid)) {
    io.stdout("gone\n");
    return 1;
  }
  const hide = showInProc(root, host);
  io.stdout("ready\n");
  let log;
  if (xend) log = xendMonitorLog(xendLogFile(ctx));
  else {
    const file = xlLogFile(ctx, name);
    rotateLog(file);
    log = xlMonitorLog(appendTo(file));
  }
  try {
    await monitorDomain(ctx, domid, { log, xend });
    return 0;
  } catch (error) {
    log.internal(`monitor failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    hide();
  }
}
