import { existsSync } from "node:fs";
import type { CommandResult, CommandRunner } from "./command.ts";

/**
 * Reading a file whose path a user gave (a domain's config): it may be a
 * FIFO, a device, a directory, huge, or on an NFS export whose server is
 * gone. Whatever it is, the agent must answer by its deadline and keep its
 * memory small.
 *
 * Why not fs.readFile with a timeout: Node runs file system calls on libuv's
 * thread pool. On a hard-mounted NFS export whose server stopped answering,
 * open(2), stat(2) or read(2) sleeps in the kernel until the server returns,
 * and the pool thread with it. A timer can stop *waiting* for that promise,
 * but not the thread: at exit Node shuts libuv down, which joins every pool
 * thread (uv_library_shutdown -> uv__threadpool_cleanup), so process.exit()
 * itself never returns and the LRM kills the agent at the op timeout, after
 * it has printed its answer (a failed stop, then fencing). Seen here with a
 * pool thread blocked in open(2) of a FIFO: `process.exit(3)` did not exit.
 * A read on the main thread blocks everything, timers included.
 *
 * So the file is never touched by this process: one child, started by
 * the process runner with a timeout inside the deadline, does it. A child
 * stuck on a dead server is killed (NFS waits are TASK_KILLABLE since Linux
 * 2.6.25), or at worst abandoned: the runner never waits for it past its
 * deadline, and this process exits regardless. The child is find(1), which
 * looks before anything opens the file:
 * 1. `find -L PATH -maxdepth 0 -printf`: the file's type, size and
 *    modification time from stat(2), without opening it (a FIFO, a device
 *    or a directory is refused here, before anything reads it; a directory
 *    given as the starting point is not read at -maxdepth 0);
 * 2. `-type f -size -(N+1)c -exec dd`: only for a regular file of at most N
 *    bytes, find runs `dd iflag=nonblock`, which opens with O_NONBLOCK (a
 *    file swapped for a FIFO after the stat cannot block the open) and reads
 *    at most N + 1 bytes (a file that grew past the bound after the stat is
 *    refused, and never more than that is held in memory).
 * find flushes its own output before it forks the command (findutils'
 * find/exec.c launch: "Make sure output of command doesn't get mixed with
 * find output"), so the three lines of the stat come first, then the bytes.
 * This was two children (stat(1), then dd); one is one process start fewer
 * on the path of every start and of every stop that reads xl's log
 * (doc/cost.md). Only a log's end longer than the bound still takes a
 * second child, a dd that skips to it.
 * The programs are taken from /usr/bin or /bin, not from PATH: PATH is the
 * toolstack's (a simulator puts its own `stat` there) and nothing a user
 * names should choose what reads their file.
 */
export type UserFileRead =
  /** `mtimeMs`: the last modification, to the second (stat's %Y). */
  | { readonly ok: true; readonly text: string; readonly mtimeMs: number }
  /**
   * `missing`: the file does not exist; `refused`: it exists, but is not a
   * regular file of bounded size; `unreadable`: anything else. `problem`
   * completes a sentence that begins with the path.
   */
  | { readonly ok: false; readonly kind: "missing" | "refused" | "unreadable"; readonly problem: string };

export interface ReadUserFileOptions {
  readonly maxBytes: number;
  /** The whole read's time (both programs), already inside the caller's deadline. */
  readonly timeoutMs: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * A log's end: a file longer than maxBytes is not refused, its last
   * maxBytes are read (from its size at the stat, plus what it grew by since,
   * up to maxBytes more; the text keeps the last maxBytes characters).
   */
  readonly tail?: boolean;
}

const systemTool = (name: string): string => [`/usr/bin/${name}`, `/bin/${name}`].find((path) => existsSync(path)) ?? `/usr/bin/${name}`;

/** find's %Y for what is not a regular file, in stat(1)'s words (its %F); 'f' is read, 'N' is missing. */
const KINDS: Readonly<Record<string, string>> = {
  d: "directory",
  p: "fifo",
  c: "character special file",
  b: "block special file",
  s: "socket",
  D: "door",
  L: "symbolic link loop",
};

/**
 * What a failed program said, in one line, without the program's own name
 * prefix; find's complaint about its starting point is a failed stat(2).
 */
const lastLine = (stderr: string): string =>
  stderr
    .trim()
    .split("\n")
    .filter(Boolean)
    .at(-1)
    ?.replace(/^(?:\S*\/)?find: (?='.*': )/, "cannot stat ")
    .replace(/^(?:\S*\/)?(?:find|dd): /, "") ?? "";

/** find reads an argument that begins with '-', '(' or '!' as part of its expression: a relative path is anchored. */
const findOperand = (path: string): string => (path === "" || path.startsWith("/") ? path : `./${path}`);

/** dd's operands for one bounded, non-blocking read of `input`: `bytes` at most, from `skip`. */
const ddRead = (input: string, bytes: number, skip = 0): string[] => [
  `if=${input}`,
  `iflag=nonblock,fullblock${skip > 0 ? ",skip_bytes" : ""}`,
  ...(skip > 0 ? [`skip=${skip}`] : []),
  `bs=${bytes}`,
  "count=1",
  "status=none",
];

export async function readUserFile(run: CommandRunner, path: string, options: ReadUserFileOptions): Promise<UserFileRead> {
  const started = Date.now();
  const left = () => Math.max(1, options.timeoutMs - (Date.now() - started));
  const noAnswer = (): UserFileRead => ({
    ok: false,
    kind: "unreadable",
    problem: `did not answer within ${options.timeoutMs} ms (a network file system that does not respond?)`,
  });
  const failed = (what: string, result: CommandResult): UserFileRead => {
    const why = lastLine(result.stderr) || `${what} exit ${result.exitCode ?? result.signal ?? result.spawnError}`;
    return { ok: false, kind: /No such file or directory/.test(why) ? "missing" : "unreadable", problem: `cannot be read on this host (${why})` };
  };
  const operand = findOperand(path);
  // a log's end is read from the start when the whole file fits twice over (as the skipping read below)
  const firstRead = options.tail === true ? 2 * options.maxBytes : options.maxBytes + 1;
  const found = await run(
    systemTool("find"),
    ["-L", operand, "-maxdepth", "0", "-printf", "%Y\\n%s\\n%T@\\n", "-type", "f", "-size", `-${options.maxBytes + 1}c`, "-exec", systemTool("dd"), ...ddRead("{}", firstRead), ";"],
    { timeoutMs: left(), env: options.env },
  );
  if (found.timedOut) return noAnswer();
  const lines = found.stdout.split("\n", 3);
  const [type = "", sizeText = "", mtimeText = ""] = lines;
  const headerLength = lines.reduce((length, line) => length + line.length + 1, 0);
  if (found.exitCode !== 0 || lines.length < 3 || found.stdout.length < headerLength) return failed("find", found);
  if (type === "N") return { ok: false, kind: "missing", problem: `cannot be read on this host (cannot stat '${path}': No such file or directory)` };
  if (type !== "f") return { ok: false, kind: "refused", problem: `is a ${KINDS[type] ?? "file of unknown type"}, not a regular file` };
  // dd, run by find, failed (find's own status does not say so: -exec only tested false)
  if (found.stderr !== "") return failed("dd", found);
  const size = Number(sizeText);
  const mtimeMs = Math.floor(Number(mtimeText)) * 1000;
  const small = size <= options.maxBytes;
  if (options.tail !== true) {
    if (!small) return { ok: false, kind: "refused", problem: `is ${sizeText} bytes, more than the ${options.maxBytes} bytes such a file may have` };
    const text = found.stdout.slice(headerLength);
    // Each byte decodes to at most one UTF-16 unit, so a longer text means more bytes than the bound.
    if (text.length > options.maxBytes) return { ok: false, kind: "refused", problem: `grew past ${options.maxBytes} bytes while it was read` };
    return { ok: true, text, mtimeMs };
  }
  if (small) return { ok: true, text: found.stdout.slice(headerLength).slice(-options.maxBytes), mtimeMs };
  // A log's end past the bound: from its size at the stat, plus what it grew by since, up to maxBytes more.
  const dd = await run(systemTool("dd"), ddRead(operand, 2 * options.maxBytes, size - options.maxBytes), { timeoutMs: left(), env: options.env });
  if (dd.timedOut) return noAnswer();
  if (dd.exitCode !== 0) return failed("dd", dd);
  return { ok: true, text: dd.stdout.slice(-options.maxBytes), mtimeMs };
}

/**
 * Whether a path a user named is an executable regular file for us (a
 * monitor script), asked of find(1) in one child for the same reason as
 * above: a script on an NFS export whose server is gone must not hang the
 * agent. `-type f` after `-L` is test(1)'s `-f` (the file a link leads
 * to); `-executable` asks access(2) for X_OK, as `test -x` does. Nothing is
 * opened. This was `test -f X`, then `test -x X`: two children in a row.
 */
export async function isExecutableUserFile(run: CommandRunner, path: string, options: Omit<ReadUserFileOptions, "maxBytes">): Promise<boolean | "no answer"> {
  const result = await run(systemTool("find"), ["-L", findOperand(path), "-maxdepth", "0", "-type", "f", "-executable", "-printf", "y"], {
    timeoutMs: Math.max(1, options.timeoutMs),
    env: options.env,
  });
  if (result.timedOut) return "no answer";
  return result.exitCode === 0 && result.stdout === "y";
}
