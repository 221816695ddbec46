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
 * The one place that starts processes (execa's only import site). argv arrays
 * only: no shell ever parses our arguments. execa starts the tool (its
 * environment rules, its normalised start errors); what happens at a deadline
 * is ours: execa's own timeout ends only the direct child and then waits for
 * the pipes, which a grandchild can hold open for ever, so the tool runs in a
 * process group of its own that the deadline kills whole, and its output is
 * read here and abandoned at the deadline instead of awaited.
 */
export const runCommand: CommandRunner = async (file, args, options) => {
  const started = Date.now();
  // Loaded on first use: meta-data, usage and a refused parameter never start a process.
  const { execa } = await import("execa");
  return new Promise((resolve) => {
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

    const child = execa(file, [...args], {
      detached: true, // its own process group: see endGroup
      cleanup: false, // the groups are ended below (watch), not only the direct child
      buffer: false, // the output is read here, so that a deadline can abandon it
      reject: false,
      encoding: "buffer",
      stdin: options.input === undefined ? "ignore" : "pipe",
      stdout: "pipe",
      stderr: "pipe",
      env: { ...options.env, LC_ALL: "C" },
      extendEnv: true,
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    // execa's own promise: with reject: false it carries a start failure (ENOENT,
    // EACCES, or arguments Node refuses before any fork, such as a NUL byte)
    const outcome = child.then(
      (result) => result,
      () => undefined,
    );
    if (child.pid === undefined) {
      void outcome.then((result) => resolve(finish({ spawnError: startFailure(result) })));
      return;
    }

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
      const pgid = child.pid;
      if (pgid === undefined || ending) return;
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

    const pgid = child.pid;
    watch(pgid);
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
        if (!timedOut) release(pgid);
        settle();
      }
    };
    child.stdout!.on("data", collect(out)).once("close", streamClosed);
    child.stderr!.on("data", collect(err)).once("close", streamClosed);
    if (options.input !== undefined) {
      child.stdin!.on("error", () => {}); // EPIPE: the tool did not read all of its input
      child.stdin!.end(options.input);
    }

    child.nodeChildProcess.once("exit", (code, signal) => {
      exit = { code, signal };
      if (timedOut) {
        settle();
        return;
      }
      if (openStreams === 0) {
        release(pgid);
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
};

/** The errno code of a tool that never started, from execa's result. */
function startFailure(result: { readonly code?: unknown } | undefined): string {
  return typeof result?.code === "string" ? result.code : "EINVAL";
}

/** A short description of why a command did not succeed, for exit reasons and logs. */
export function describeFailure(result: CommandResult): string {
  if (result.spawnError) return `${result.command}: cannot run (${result.spawnError})`;
  if (result.timedOut) return `${result.command}: no answer within ${result.durationMs} ms, killed`;
  if (result.signal) return `${result.command}: killed by ${result.signal}`;
  const lastLine = result.stderr.trim().split("\n").filter(Boolean).at(-1) ?? "";
  return `${result.command}: exit ${result.exitCode}${lastLine ? `: ${lastLine}` : ""}`;
}
