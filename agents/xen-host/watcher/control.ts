import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import type { XenHostContext } from "../deps.ts";
import { stateFile } from "../state.ts";
import { WATCH_COMMAND } from "./command.ts";

/**
 * XenHost's side of the watcher: start launches it (detached, in its own
 * session and process group, output to a log beside the state file: never
 * the agent's pipes, which the LRM waits on), stop ends its group, monitor
 * starts it again when it died. Its pid is in `XenHost-INSTANCE.watcher`;
 * a pid counts as the watcher only while /proc/PID/cmdline still carries the
 * watch command and this state directory (pids are reused).
 */
const pidFile = (ctx: XenHostContext): string => stateFile(ctx).replace(/\.state$/, ".watcher");
const logFile = (ctx: XenHostContext): string => stateFile(ctx).replace(/\.state$/, ".watcher.log");
/** How long stop gives the watcher to end on TERM before KILL. */
const STOP_WAIT_MS = 2_000;

function watcherPid(ctx: XenHostContext): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile(ctx), "utf8"), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return argv.includes(WATCH_COMMAND) && argv.includes(ctx.deps.stateDir) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export const watcherRunning = (ctx: XenHostContext): boolean => watcherPid(ctx) !== undefined;

/** Starts the watcher unless it runs; a no-op where XenHost runs without its launcher (in-process tests). */
export function ensureWatcher(ctx: XenHostContext): void {
  const launcher = ctx.deps.watcherLauncher;
  if (launcher === undefined || watcherRunning(ctx)) return;
  mkdirSync(ctx.deps.stateDir, { recursive: true });
  const out = openSync(logFile(ctx), "w");
  const node = ctx.ocf.onNode ?? hostname();
  const args = [WATCH_COMMAND, "--node", node, "--state-dir", ctx.deps.stateDir];
  // a source or compiled file of ours runs under this Node; an installed launcher (a shell script) is executed itself
  const [file, argv] = /\.(?:[cm]?js|ts)$/.test(launcher) ? [process.execPath, [launcher, ...args]] : [launcher, args];
  const child = spawn(file, argv, {
    detached: true,
    stdio: ["ignore", out, out],
    env: { ...ctx.deps.env },
  });
  closeSync(out);
  child.unref();
  if (child.pid === undefined) throw new Error(`cannot start the domain-death watcher (${launcher})`);
  writeFileSync(pidFile(ctx), `${child.pid}\n`);
  ctx.log.info(`domain-death watcher started`, { pid: child.pid });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Ends the watcher's process group (it and its xenstore-watch): TERM, then KILL after STOP_WAIT_MS. */
export async function stopWatcher(ctx: XenHostContext): Promise<void> {
  const pid = watcherPid(ctx);
  if (pid !== undefined) {
    const signal = (name: NodeJS.Signals): void => {
      try {
        process.kill(-pid, name);
      } catch {
        // already gone
      }
    };
    signal("SIGTERM");
    const end = Date.now() + Math.min(STOP_WAIT_MS, Math.max(0, ctx.deadline.remainingMs() - 1_000));
    while (watcherRunning(ctx) && Date.now() < end) await sleep(20);
    if (watcherRunning(ctx)) signal("SIGKILL");
    ctx.log.info("domain-death watcher stopped", { pid });
  }
  rmSync(pidFile(ctx), { force: true });
}

/** Monitor: a watcher that died is started again, and the log says so. */
export function checkWatcher(ctx: XenHostContext): void {
  if (ctx.deps.watcherLauncher === undefined || watcherRunning(ctx)) return;
  ctx.log.warn("the domain-death watcher is not running; starting it again");
  ensureWatcher(ctx);
}
