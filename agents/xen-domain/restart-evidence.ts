import { basename, join } from "node:path";
import { SYSROOT_ENV } from "../../lib/toolstack/host-evidence.ts";
import type { DomainSettings } from "../../lib/toolstack/domain-settings.ts";
import { readKernelFile } from "../../lib/toolstack/kernel-files.ts";
import { MIN_LOOK_MS, type XenContext } from "./deps.ts";
import type { Observation } from "./observe.ts";

/**
 * Is the toolstack restarting this domain right now? Asked only when a
 * domain this host saw running is missing, shut down, or paused under a new
 * domid. The answer comes from what the restarting process itself leaves
 * on the host (doc/evidence.md §4, doc/xl-behaviour.md §2.4):
 *
 * xl: the `xl create` (restore, migrate-receive) process that made the
 * domain stays as its monitor, logging to /var/log/xen/xl-NAME.log
 * (xl-NAME--incoming.log after a migration in). Its last
 * `Waiting for domain NAME (domid N) to die [pid P]` line starts the
 * current watch. A restart is under way when P is alive as that xl
 * (/proc/P/cmdline) and the lines after it say `Action for shutdown reason
 * code C is restart` (rename-restart, coredump-restart, soft-reset) or
 * `Done. Rebooting now`, with no `Done. Exiting now` or `has been
 * destroyed.`; or when the domain is still listed shut down and the live
 * monitor has not acted on it yet; or when that Waiting line already names
 * a newer domain than the one seen running (the restart ended between the
 * look and the read). (tools/xl/xl_vmcontrol.c create_domain,
 * handle_domain_death.)
 *
 * xm: xend restarts domains itself (XendDomainInfo.py refreshShutdown,
 * _maybeRestart, _restart). Under way when xend.log's last `Domain has
 * shutdown: name=NAME id=N reason=R.` (or `Domain has crashed: name=NAME
 * id=N.`) is of the domain seen running, R's configured action restarts,
 * no refusal or failure follows it, and the pid in that line's prefix is
 * a live xend. An action that saw no domain of that name running (it was
 * gone at the first look) takes xend's last shutdown of the name, whatever
 * its domid.
 *
 * Anything else, an unreadable log included, is no evidence: the
 * toolstack's "does not exist" stands at once.
 */
export type RestartEvidence = {
  readonly restarting: boolean;
  readonly why: string;
  /**
   * Whether a "no" holds whatever the logs gained after they were read, so
   * that logs read while the look ran may decide (observe.ts
   * observeSettled): it rests on a monitoring process that is gone, done
   * with the domain or decided not to restart it, on xend's refusal, or on a
   * log that is missing or names no monitor. Only a toolstack process started
   * after the read (a create, restore or migrate-receive of the name here,
   * which the cluster does not run while it stops the resource, and which
   * could as well start after any stop's last look) could overturn it. False
   * for every "yes", and for a "no" a live process's next line could
   * overturn (xl's monitor has logged no shutdown yet; xend has logged none of
   * this domain), or a log that did not answer.
   */
  readonly lasting: boolean;
};

/** More than a restart cycle's lines (xl writes about six), and enough of a busy xend.log. */
const LOG_TAIL_BYTES = 64 * 1024;
/** The child that reads a log (lib/exec/read-user-file.ts): well under a second. */
const LOG_READ_MS = 2_000;

const RESTARTING_ACTIONS = new Set(["restart", "rename-restart", "coredump-restart", "soft-reset"]);

/** /proc/PID/cmdline as words: NUL-separated, or one title with spaces (a process that set its title). */
function commandOf(ctx: XenContext, pid: number): readonly string[] | undefined {
  const read = readKernelFile(ctx.deps.env[SYSROOT_ENV] || "/", join("proc", String(pid), "cmdline"));
  if (!read.ok) return undefined;
  const words = read.text.split("\0").filter(Boolean);
  return words.length === 1 ? (words[0] as string).split(" ").filter(Boolean) : words;
}

const logPath = (ctx: XenContext, file: string): string => join(ctx.deps.env[SYSROOT_ENV] || "/", "var", "log", "xen", file);

type LogRead = { readonly lines: readonly string[] } | { readonly problem: string; readonly missing: boolean };

async function readLog(ctx: XenContext, file: string): Promise<LogRead> {
  const path = logPath(ctx, file);
  const timeoutMs = Math.max(1, Math.min(LOG_READ_MS, ctx.deadline.remainingMs() - MIN_LOOK_MS));
  const read = await ctx.deps.readLogTail(path, { maxBytes: LOG_TAIL_BYTES, timeoutMs });
  if (!read.ok) return { problem: `${path} ${read.problem}`, missing: read.kind === "missing" };
  return { lines: read.text.split("\n") };
}

/** The logs the evidence rests on, each as read at one moment: xl's two, or xend.log. */
export type RestartLogs = ReadonlyMap<string, LogRead>;

const logFiles = (ctx: XenContext, name: string): readonly string[] =>
  ctx.deps.toolstack().name === "xm" ? ["xend.log"] : [`xl-${name}.log`, `xl-${name}--incoming.log`];

/**
 * Reads the logs, all at once (one child each): xl's second log is needed
 * whenever the first shows no live monitoring process, as after a crash
 * with on_crash="destroy".
 */
export async function readRestartLogs(ctx: XenContext, name: string): Promise<RestartLogs> {
  const files = logFiles(ctx, name);
  const reads = await Promise.all(files.map((file) => readLog(ctx, file)));
  return new Map(files.map((file, index) => [file, reads[index] as LogRead]));
}

/** The monitor's pid, if it is a live xl that creates, restores or receives domains. */
function liveXl(ctx: XenContext, pid: number): { readonly alive: true } | { readonly alive: false; readonly why: string } {
  const argv = commandOf(ctx, pid);
  if (argv === undefined) return { alive: false, why: `its monitoring process ${pid} is gone` };
  const subcommand = argv.slice(1).find((word) => !word.startsWith("-"));
  if (basename(argv[0] ?? "") === "xl" && ["create", "restore", "migrate-receive"].includes(subcommand ?? "")) return { alive: true };
  return { alive: false, why: `pid ${pid} is no xl monitoring process now (${argv.join(" ").slice(0, 80)})` };
}

const WAITING = /^Waiting for domain (\S+) \(domid (\d+)\) to die \[pid (\d+)\]$/;
const ENDED = /^(Done\. Exiting now|Domain \d+ has been destroyed\.)$/;
const ACTION = /^Action for shutdown reason code \d+ is (\S+)$/;

function xlEvidence(ctx: XenContext, logs: RestartLogs, name: string, observation: Observation, runningDomid: number | undefined): RestartEvidence {
  const problems: string[] = [];
  let lasting = true;
  for (const [file, log] of logs) {
    if ("problem" in log) {
      problems.push(log.problem);
      lasting &&= log.missing;
      continue;
    }
    const start = log.lines.findLastIndex((line) => WAITING.test(line) && [name, `${name}--incoming`].includes(WAITING.exec(line)?.[1] ?? ""));
    if (start < 0) {
      problems.push(`${logPath(ctx, file)} names no monitoring process for ${name}`);
      continue;
    }
    const [, , watched, pidText] = WAITING.exec(log.lines[start] as string) ?? [];
    const pid = Number(pidText);
    const watchedDomid = Number(watched);
    const after = log.lines.slice(start + 1).filter(Boolean);
    const monitor = liveXl(ctx, pid);
    if (!monitor.alive) {
      problems.push(monitor.why);
      continue;
    }
    const ended = after.find((line) => ENDED.test(line));
    if (ended) return { restarting: false, why: `xl's monitoring process ${pid} is done with it: '${ended}'`, lasting: true };
    // a new Waiting line: the restart finished between the look and this read (the next look finds it), unless
    // the domain now listed paused is that new one: xl unpaused it before logging, so someone paused it since
    if (watchedDomid !== runningDomid && after.length === 0) {
      if (observation.kind === "paused" && observation.domain.domid === watchedDomid) {
        return { restarting: false, why: `xl re-created it as domain ${watchedDomid} and unpaused it; it was paused since`, lasting: false };
      }
      return { restarting: true, why: `xl's monitoring process ${pid} re-created it as domain ${watchedDomid}`, lasting: false };
    }
    const action = after.map((line) => ACTION.exec(line)?.[1]).findLast((found) => found !== undefined);
    if ((action !== undefined && RESTARTING_ACTIONS.has(action)) || after.includes("Done. Rebooting now")) {
      return { restarting: true, why: `xl's monitoring process ${pid} is restarting it ('${after.at(-1)}' in ${file})`, lasting: false };
    }
    if (action !== undefined) return { restarting: false, why: `xl's monitoring process ${pid} does not restart it (action ${action})`, lasting: true };
    // alive and watching: a shutdown still listed is one it has not acted on yet; a domain gone without one was destroyed
    if (observation.kind !== "absent" && observation.kind !== "paused") {
      return { restarting: true, why: `xl's monitoring process ${pid} is alive and has yet to act on the shutdown`, lasting: false };
    }
    const seen = observation.kind === "absent" ? "the domain went without a shutdown" : "it logged no shutdown";
    return { restarting: false, why: `${seen}; xl's monitoring process ${pid} restarts a domain only after one`, lasting: false };
  }
  return { restarting: false, why: problems.join("; "), lasting };
}

/** `[2010-01-01 12:00:00 1234] INFO (XendDomainInfo:2083) message` (some releases add the logger name before the pid). */
const XEND_LINE = /^\[\S+ \S+ (?:\S+ )?(\d+)\] \w+ \(\w+:\d+\) (.*)$/;
const SHUTDOWN = /^Domain has (?:shutdown: name=(.+) id=(\d+) reason=(\w+)|crashed: name=(.+) id=(\d+))\.$/;

/** The shutdown of `name` a message reports: its domid and reason, if it is one. */
function shutdownOf(message: string, name: string): { readonly domid: number; readonly reason: string } | undefined {
  const [, shutName, shutId, reason = "", crashName, crashId] = SHUTDOWN.exec(message) ?? [];
  if (shutName === name) return { domid: Number(shutId), reason };
  if (crashName === name) return { domid: Number(crashId), reason: "crash" };
  return undefined;
}

/** xend's words for a restart it will not do (XendDomainInfo.py _restart, _preserve). */
const gaveUp = (message: string, name: string, domid: number): boolean =>
  message.startsWith(`VM ${name} restarting too fast`) ||
  message === `Failed to restart domain ${domid}.` ||
  message.startsWith(`Xend failed during restart of domain ${domid}.`) ||
  message === `Preserving dead domain ${name} (${domid}).`;

function xendEvidence(ctx: XenContext, logs: RestartLogs, name: string, settings: DomainSettings | undefined, runningDomid: number | undefined): RestartEvidence {
  const log = logs.get("xend.log") ?? { problem: "xend.log was not read", missing: false };
  if ("problem" in log) return { restarting: false, why: log.problem, lasting: log.missing };
  const messages = log.lines.flatMap((line) => {
    const [, pid, message] = XEND_LINE.exec(line) ?? [];
    return message === undefined ? [] : [{ pid: Number(pid), message }];
  });
  const index = messages.findLastIndex(({ message }) => shutdownOf(message, name) !== undefined);
  if (index < 0) return { restarting: false, why: `xend.log has no shutdown of ${name}`, lasting: false };
  const { pid, message } = messages[index] as { pid: number; message: string };
  const { domid, reason } = shutdownOf(message, name) as { domid: number; reason: string };
  // An action that never saw the domain (gone at its first look) cannot match a domid: then the last
  // shutdown xend logged for the name counts. Waiting on a stale one costs time up to the deadline and
  // ends in 1; missing a live restart would let xend re-create a copy after a stop said "gone".
  if (runningDomid !== undefined && domid !== runningDomid) {
    return { restarting: false, why: `the last shutdown xend logged for ${name} is of domain ${domid}, not ${runningDomid}`, lasting: false };
  }
  const configured = reason === "crash" ? settings?.onCrash : reason === "reboot" ? settings?.onReboot : reason === "poweroff" ? settings?.onPoweroff : "destroy";
  const action = configured ?? (reason === "poweroff" ? "destroy" : "restart"); // xend's defaults (XendConfig.py)
  if (!action.includes("restart")) return { restarting: false, why: `xend does not restart ${name} after a ${reason} (${action})`, lasting: true };
  const refusal = messages.slice(index + 1).find((later) => gaveUp(later.message, name, domid));
  if (refusal) return { restarting: false, why: `xend gave up: '${refusal.message}'`, lasting: true };
  if (!commandOf(ctx, pid)?.some((word) => basename(word) === "xend")) return { restarting: false, why: `xend (pid ${pid}, which logged the ${reason}) is gone`, lasting: true };
  return { restarting: true, why: `xend (pid ${pid}) is restarting it after a ${reason}`, lasting: false };
}

/**
 * `runningDomid`: the domain seen running, undefined when an action never
 * saw one (it was gone at its first look after its own create, or before
 * migrate_from's): xl's log still names the restart; for xend the last
 * shutdown of the name counts. `logs`: the logs as read earlier
 * (readRestartLogs); read now when not given. The live processes are
 * looked up now either way.
 */
export async function restartEvidence(
  ctx: XenContext,
  name: string,
  observation: Observation,
  settings: DomainSettings | undefined,
  runningDomid: number | undefined,
  logs?: Promise<RestartLogs>,
): Promise<RestartEvidence> {
  const read = await (logs ?? readRestartLogs(ctx, name));
  return ctx.deps.toolstack().name === "xm" ? xendEvidence(ctx, read, name, settings, runningDomid) : xlEvidence(ctx, read, name, observation, runningDomid);
}
