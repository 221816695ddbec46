import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ToolExit, type ToolIo } from "./context.ts";
import { hostPaths } from "./host/paths.ts";
import { HostMissing, readHost } from "./host/store.ts";

/**
 * Bookkeeping around every xl/xm/ssh call: the call log (what benchmarks
 * count), the registry of running calls (what a host kill also kills), and
 * the refusal to run on a host that is down or does not exist.
 */
export interface CallLogEntry {
  readonly tool: string;
  readonly argv: readonly string[];
  readonly pid: number;
  readonly startedAt: number;
  /** undefined while running, or when the call was killed. */
  readonly exitCode: number | undefined;
  readonly durationMs: number | undefined;
}

type LogLine =
  | { event: "start"; id: string; tool: string; argv: readonly string[]; pid: number; at: number }
  | { event: "end"; id: string; exitCode: number; durationMs: number };

function append(file: string, line: LogLine): void {
  try {
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  } catch {
    // the host's directory was removed under us (cleanup): nothing to log into
  }
}

export async function withToolRun(root: string, host: string, tool: string, io: ToolIo, body: () => Promise<number>): Promise<number> {
  const paths = hostPaths(root, host);
  try {
    if (!readHost(root, host).up) {
      io.stderr(`xen-ha sim: host ${host} is down\n`);
      return 1;
    }
  } catch (error) {
    if (!(error instanceof HostMissing)) throw error;
    io.stderr(`xen-ha sim: ${error.message}\n`);
    return 1;
  }
  const startedAt = Date.now();
  const id = `${process.pid}-${startedAt}`;
  const marker = join(paths.runningDir, String(process.pid));
  mkdirSync(paths.runningDir, { recursive: true });
  writeFileSync(marker, "");
  append(paths.callLogFile, { event: "start", id, tool, argv: io.argv, pid: process.pid, at: startedAt });
  let code: number;
  try {
    code = await body();
  } catch (error) {
    if (error instanceof ToolExit) code = error.code;
    else {
      io.stderr(`xen-ha sim: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      code = 1;
    }
  }
  append(paths.callLogFile, { event: "end", id, exitCode: code, durationMs: Date.now() - startedAt });
  rmSync(marker, { force: true });
  return code;
}

/** Every call made on a host, in start order. */
export function readCallLog(root: string, host: string): CallLogEntry[] {
  let text: string;
  try {
    text = readFileSync(hostPaths(root, host).callLogFile, "utf8");
  } catch {
    return [];
  }
  const calls = new Map<string, CallLogEntry>();
  for (const raw of text.split("\n")) {
    if (!raw) continue;
    const line = JSON.parse(raw) as LogLine;
    if (line.event === "start") {
      calls.set(line.id, { tool: line.tool, argv: line.argv, pid: line.pid, startedAt: line.at, exitCode: undefined, durationMs: undefined });
    } else {
      const started = calls.get(line.id);
      if (started) calls.set(line.id, { ...started, exitCode: line.exitCode, durationMs: line.durationMs });
    }
  }
  return [...calls.values()];
}
