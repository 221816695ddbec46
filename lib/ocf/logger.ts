import { closeSync, constants, fstatSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { isTrue } from "./checks.ts";
import type { Env } from "./context.ts";
import { traceRequested } from "./trace.ts";

/**
 * Logging where the cluster logs. Lines look like ocf_log's
 * `TAG[pid]: LEVEL: message key=value` so that existing grep habits work.
 * - stderr always (Pacemaker logs an agent's stderr on a normal exit);
 * - HA_LOGFILE / HA_DEBUGLOG appended synchronously, so progress survives an
 *   op timeout, when the LRM would drop stderr;
 * - the trace file (lib/ocf/trace.ts) when tracing is on, debug lines included;
 * - syslog (HA_LOGFACILITY/HA_logfacility other than "none") through one
 *   `logger --prio-prefix` call at the end of the action, not one per line.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type Fields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  /** Lines waiting for syslog; run-agent hands them to `logger` once. */
  pendingSyslog(): { readonly facility: string; readonly tag: string; readonly lines: readonly string[] } | undefined;
}

const SYSLOG_SEVERITY: Record<LogLevel, number> = { debug: 7, info: 6, warn: 4, error: 3 };
const FACILITIES: Record<string, number> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9,
  authpriv: 10, ftp: 11, local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21,
  local6: 22, local7: 23,
};

function formatFields(fields: Fields | undefined): string {
  if (!fields) return "";
  return Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}=${/\s/.test(String(value)) ? JSON.stringify(String(value)) : String(value)}`)
    .join("");
}

export function createLogger(tag: string, env: Env, writeStderr: (text: string) => void, traceFile?: string): Logger {
  const debugOn = isTrue(env["HA_debug"] ?? env["PCMK_debug"]) || traceRequested(env);
  const logFile = env["HA_LOGFILE"] || env["HA_logfile"] || undefined;
  const debugLog = env["HA_DEBUGLOG"] || env["HA_debuglog"] || undefined;
  const facilityName = (env["HA_LOGFACILITY"] ?? env["HA_logfacility"] ?? "none").toLowerCase();
  const facility = FACILITIES[facilityName];
  const syslogLines: string[] = [];
  if (traceFile) {
    try {
      mkdirSync(dirname(traceFile), { recursive: true });
    } catch {
      // as with a log file: a trace we cannot write never changes the outcome
    }
  }
  const prefix = `${tag}[${process.pid}]`;

  /** Files found unusable (a block device, a FIFO nobody reads, unwritable): skipped for the rest of the action. */
  const unusable = new Set<string>();
  const append = (file: string, line: string) => {
    if (unusable.has(file)) return;
    let fd: number | undefined;
    try {
      // O_NONBLOCK: a FIFO with no reader fails at once (ENXIO), a full pipe drops the
      // line (EAGAIN); neither blocks the agent. A block device is never written to.
      fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o644);
      if (fstatSync(fd).isBlockDevice()) throw new Error(`${file} is a block device`);
      writeSync(fd, `${new Date().toISOString()} ${line}\n`);
    } catch {
      // A log file we cannot write must never change the outcome of an action.
      unusable.add(file);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  };

  const log = (level: LogLevel, message: string, fields?: Fields) => {
    if (level === "debug" && !debugOn) return;
    const line = `${prefix}: ${level.toUpperCase()}: ${message}${formatFields(fields)}`;
    writeStderr(`${line}\n`);
    if (logFile && level !== "debug") append(logFile, line);
    if (debugLog) append(debugLog, line);
    if (traceFile) append(traceFile, line);
    if (facility !== undefined && level !== "debug") {
      syslogLines.push(`<${facility * 8 + SYSLOG_SEVERITY[level]}>${message}${formatFields(fields)}`);
    }
  };

  return {
    debug: (m, f) => log("debug", m, f),
    info: (m, f) => log("info", m, f),
    warn: (m, f) => log("warn", m, f),
    error: (m, f) => log("error", m, f),
    pendingSyslog: () =>
      syslogLines.length > 0 ? { facility: facilityName, tag: prefix, lines: syslogLines } : undefined,
  };
}
