/**
 * Running external tools: every child in a process group of its own, a
 * deadline that ends the whole group and abandons its pipes (runWith). Two
 * backends start the tools, and only start them: execa (start-execa.ts) for
 * the xen-ha command, the lab, the simulator, benchmarks and tests; and
 * libuv's process and pipe handles, as node:child_process drives them inside
 * (start-node.ts), for the agents the LRM and the fencer run, whose bundles
 * lib/install/bundle.ts builds with it. The reason is cost: an agent is a
 * fresh Node process for every operation, and on a 2-core machine a Node
 * that spawns one tool costs about 40 ms CPU and 41.6 MiB peak on the
 * handles, 12 ms and 3 MiB more through node:child_process, and 110 ms and
 * 57 MiB through a bundled execa, while the goal for a monitor is 50 ms and
 * 45 MB (doc/cost.md).
 */
import { startProcess } from "./start-execa.ts";

/** Everything we keep from running an external tool. A non-zero exit is data, not an exception. */
export interface CommandResult {
  /** argv joined for messages only; never run through a shell. */
  readonly command: string;
  /** undefined when the tool did not run to completion: see spawnError, signal, timedOut. */
  readonly exitCode: number | undefined;
  /** "ENOENT", "EACCES", ... when the tool could not be started at all. */
  readonly spawnError: string | undefined;
  readonly signal: string | undefined;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export interface CommandOptions {
  /**
   * Hard limit: when it is reached the tool's whole process group gets TERM,
   * then KILL after KILL_AFTER_MS, and the result comes back by then at the
   * latest, whatever still holds the tool's output open.
   */
  readonly timeoutMs: number;
  readonly input?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

export type CommandRunner = (file: string, args: readonly string[], options: CommandOptions) => Promise<CommandResult>;

/** From TERM to KILL: short, because a deadline's safety margin (lib/ocf/deadline.ts, at least 1 s) must hold it. */
export const KILL_AFTER_MS = 500;
/**
 * After the tool itself exited, how long its output may stay open: what is
 * already in the pipe is read within a turn of the event loop, so only a
 * leftover process that inherited the pipe (`cmd &` in a script) keeps it
 * open longer. That process belongs to the command and is ended with it.
 */
export const OUTPUT_GRACE_MS = 500;
/** A tool that prints more than this is broken; it is killed rather than allowed to fill our memory. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * Process groups of our tools that may still be alive. Every tool runs in a
 * process group of its own (detached), so that a deadline reaches the
 * grandchildren too: a monitor script's own child, the xl behind a wrapper
 * that does not `exec`, the command an ssh runs. The price: the LRM kills an
 * agent that overran its timeout by sending KILL to the agent's group
 * (Pacemaker's lib/common/mainloop.c, child_kill_helper), which no longer
 * reaches our tools. We accept that because it only happens after our own
 * deadline, which ends a safety margin before the op timeout and has already
 * killed every group by then; and for the exits we can see (a normal exit,
 * TERM, INT or HUP from an admin or a legacy LRM) the groups still alive get
 * KILL on the way out. Only an agent killed by KILL while a tool runs inside
 * its deadline leaves that tool to finish on its own.
 */
const liveGroups = new Set<number>();
const TERMINATING = ["SIGTERM", "SIGINT", "SIGHUP"] as const;

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}

function killLiveGroups(): void {
  for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
  liveGroups.clear();
}

/**
 * What this process's exit does to the tools still running (KILL to each
 * group), for a caller that runs an agent's main in-process and goes on: a
 * test, whose next step must not race a leftover tool. Resolves once every
 * group is gone (reaped), or after `waitMs`.
 */
export async function endLeftoverTools(waitMs = 2_000): Promise<void> {
  const groups = [...liveGroups];
  killLiveGroups();
  unwatch();
  const alive = (pgid: number): boolean => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const end = Date.now() + waitMs;
  while (groups.some(alive) && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
}

function onTerminatingSignal(signal: NodeJS.Signals): void {
  killLiveGroups();
  // Then die of the signal as we would have without this handler: sent again, it
  // reaches whoever else listens (who may have stood back because we listened
  // too, as signal-exit does) or, with nobody left, the default action.
  unwatch();
  process.kill(process.pid, signal);
}

let watching = false;
function watch(pgid: number): void {
  liveGroups.add(pgid);
  if (watching) return;
  watching = true;
  process.on("exit", killLiveGroups);
  for (const signal of TERMINATING) process.on(signal, onTerminatingSignal);
}

function unwatch(): void {
  if (!watching) return;
  watching = false;
  process.off("exit", killLiveGroups);
  for (const signal of TERMINATING) process.off(signal, onTerminatingSignal);
}

function release(pgid: number): void {
  liveGroups.delete(pgid);
  if (liveGroups.size === 0) unwatch();
}

/**
 * A way to start a tool: the tool runs with exactly these Node spawn options
 * (its own process group, the pipes, the environment, all decided in runWith)
 * and comes back as a running tool (StartedTool), or as the errno code of why it
 * could not start. A backend only starts; everything after the start is
 * runWith's, whichever backend started the tool. A backend may also throw
 * for arguments refused before any fork (a NUL byte).
 */
export type StartProcess = (file: string, args: readonly string[], options: StartOptions) => Promise<Started>;
/** Node's spawn options, as far as runWith sets them. */
export interface StartOptions {
  readonly detached: true;
  readonly stdio: ["ignore" | "pipe", "pipe", "pipe"];
  /** The whole environment of the tool (undefined: unset). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}
export type Started = { readonly child: StartedTool } | { readonly startError: string };

/**
 * What runWith uses of a running tool: a subset of Node's ChildProcess, which
 * execa's and child_process's children are; start-node.ts's libuv-level tool
 * implements exactly this and nothing more.
 */
export interface StartedTool {
  /** The tool's process id, which is also its process group's (detached). */
  readonly pid?: number | undefined;
  /** Present when the tool was given input ("pipe"); null for "ignore". */
  readonly stdin: ToolInput | null;
  readonly stdout: ToolOutput | null;
  readonly stderr: ToolOutput | null;
  on(event: "error", listener: (error: Error) => void): unknown;
  once(event: "exit", listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}
/** One output pipe: its chunks, then one "close" when it ends, fails or is destroyed. */
export interface ToolOutput {
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  once(event: "close", listener: () => void): unknown;
  destroy(): unknown;
}
/** The tool's stdin: written once, then closed. */
export interface ToolInput {
  on(event: "error", listener: (error: Error) => void): unknown;
  end(input: string): unknown;
  destroy(): unknown;
}

/**
 * The one place that runs processes, for every backend (this module's first
 * comment says which runs where). argv arrays only: no shell ever parses our
 * arguments. The tool runs in a process group of its own that the deadline
 * kills whole, and its output is read here and abandoned at the deadline
 * instead of awaited: a timeout that ends only the direct child and then
 * waits for the pipes (execa's own, child_process's) waits for ever on a
 * grandchild that holds them.
 */
export function runWith(start: StartProcess): CommandRunner {
  return async (file, args, options) => {
    const started = Date.now();
    const command = [file, ...args].join(" ");
    const finish = (fields: Partial<CommandResult>): CommandResult => ({
      command,
      exitCode: undefined,
      spawnError: undefined,
      signal: undefined,
      timedOut: false,
      stdout: "",
      stderr: "",
      ...fields,
      durationMs: Date.now() - started,
    });
    let outcome: Started;
    try {
      outcome = await start(file, args, {
        detached: true, // its own process group: see endGroup
        stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        env: { ...process.env, ...options.env, LC_ALL: "C" },
        ...(options.cwd ? { cwd: options.cwd } : {}),
      });
    } catch {
      // refused before any fork: a NUL byte in an argument or in the environment
      return finish({ spawnError: "EINVAL" });
    }
    if ("startError" in outcome) return finish({ spawnError: outcome.startError });
    return supervise(outcome.child, options, finish);
  };
}

/** From a started tool to its result, under the deadline (see runWith). */
function supervise(
  child: StartedTool,
  options: CommandOptions,
  finish: (fields: Partial<CommandResult>) => CommandResult,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const pgid = child.pid!;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outputBytes = 0;
    let openStreams = 2;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let timedOut = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const later = (ms: number, action: () => void): void => {
      const timer = setTimeout(action, ms);
      timers.push(timer);
    };

    const settle = (fields: Partial<CommandResult> = {}): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      // whatever still holds the pipes is not waited for
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.stdin?.destroy();
      resolve(
        finish({
          exitCode: exit?.code ?? undefined,
          signal: exit?.signal ?? undefined,
          timedOut,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
          ...fields,
        }),
      );
    };

    /** TERM to the whole group now, KILL shortly after; the KILL is also sent if we exit first. */
    let ending = false;
    const endGroup = (): void => {
      if (ending) return;
      ending = true;
      signalGroup(pgid, "SIGTERM");
      const timer = setTimeout(() => {
        signalGroup(pgid, "SIGKILL");
        release(pgid);
        settle();
      }, KILL_AFTER_MS);
      // not kept alive for it: the exit handler sends the KILL if we finish before
      timer.unref();
    };

    watch(pgid);
    // once started, a ChildProcess reports errors only from kill() and send(), neither used here
    child.on("error", () => {});
    const collect = (chunks: Buffer[]) => (chunk: Buffer) => {
      outputBytes += chunk.length;
      if (outputBytes > MAX_OUTPUT_BYTES) {
        endGroup();
        return;
      }
      chunks.push(chunk);
    };
    const streamClosed = () => {
      openStreams -= 1;
      if (openStreams === 0 && exit) {
        // a group being ended stays on the exit handler's list until its KILL is sent (endGroup)
        if (!ending) release(pgid);
        settle();
      }
    };
    child.stdout!.on("data", collect(out));
    child.stdout!.once("close", streamClosed);
    child.stderr!.on("data", collect(err));
    child.stderr!.once("close", streamClosed);
    if (options.input !== undefined) {
      child.stdin!.on("error", () => {}); // EPIPE: the tool did not read all of its input
      child.stdin!.end(options.input);
    }

    child.once("exit", (code, signal) => {
      exit = { code, signal };
      if (timedOut) {
        settle();
        return;
      }
      if (openStreams === 0) {
        if (!ending) release(pgid);
        settle();
        return;
      }
      // the tool is done but something it started still holds its output
      later(OUTPUT_GRACE_MS, () => {
        endGroup();
        settle();
      });
    });

    later(Math.max(0, options.timeoutMs), () => {
      // a tool that exited in time answered, even if a leftover of it still holds the output
      timedOut = exit === undefined;
      endGroup();
      if (exit) settle();
    });
  });
}

/**
 * Runs a tool started by execa (./start-execa.ts). The agents' bundles start
 * it with node:child_process instead (./start-node.ts, put in its place by
 * lib/install/bundle.ts): the same runWith, the same deadline.
 */
export const runCommand: CommandRunner = runWith(startProcess);

/** A short description of why a command did not succeed, for exit reasons and logs. */
export function describeFailure(result: CommandResult): string {
  if (result.spawnError) return `${result.command}: cannot run (${result.spawnError})`;
  if (result.timedOut) return `${result.command}: no answer within ${result.durationMs} ms, killed`;
  if (result.signal) return `${result.command}: killed by ${result.signal}`;
  const lastLine = result.stderr.trim().split("\n").filter(Boolean).at(-1) ?? "";
  return `${result.command}: exit ${result.exitCode}${lastLine ? `: ${lastLine}` : ""}`;
}
