import { existsSync } from "node:fs";
import type { CommandRunner } from "./command.ts";

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
 * So the file is never touched by this process: two small coreutils
 * programs, started by the process runner with a timeout inside the
 * deadline, do it. A child stuck on a dead server is killed (NFS waits are
 * TASK_KILLABLE since Linux 2.6.25), or at worst abandoned: the runner never
 * waits for it past its deadline, and this process exits regardless.
 * 1. `stat -L`: the file's type and size, without opening it (a FIFO, a
 *    device or a directory is refused here, before anything reads it);
 * 2. `dd iflag=nonblock`: opens with O_NONBLOCK (a file swapped for a FIFO
 *    after the stat cannot block the open) and reads at most maxBytes + 1
 *    bytes (a file that grew past the bound after the stat is refused, and
 *    never more than that is held in memory).
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

const coreutil = (name: string): string => [`/usr/bin/${name}`, `/bin/${name}`].find((path) => existsSync(path)) ?? `/usr/bin/${name}`;

/** stat's %F in the C locale for what may be read; anything else is refused. */
const REGULAR = new Set(["regular file", "regular empty file"]);

/** What a failed program said, in one line, without the program's own name prefix. */
const lastLine = (stderr: string): string => stderr.trim().split("\n").filter(Boolean).at(-1)?.replace(/^(?:\S*\/)?(?:stat|dd): /, "") ?? "";

export async function readUserFile(run: CommandRunner, path: string, options: ReadUserFileOptions): Promise<UserFileRead> {
  const started = Date.now();
  const left = () => Math.max(1, options.timeoutMs - (Date.now() - started));
  const noAnswer = (): UserFileRead => ({
    ok: false,
    kind: "unreadable",
    problem: `did not answer within ${options.timeoutMs} ms (a network file system that does not respond?)`,
  });

  const stat = await run(coreutil("stat"), ["-L", "--printf=%F\\n%s\\n%Y\\n", "--", path], { timeoutMs: left(), env: options.env });
  if (stat.timedOut) return noAnswer();
  if (stat.exitCode !== 0) {
    const why = lastLine(stat.stderr) || `stat exit ${stat.exitCode ?? stat.signal ?? stat.spawnError}`;
    return { ok: false, kind: /No such file or directory/.test(why) ? "missing" : "unreadable", problem: `cannot be read on this host (${why})` };
  }
  const [type = "", sizeText = "", mtimeText = ""] = stat.stdout.split("\n");
  if (!REGULAR.has(type)) return { ok: false, kind: "refused", problem: `is a ${type || "file of unknown type"}, not a regular file` };
  const size = Number(sizeText);
  const tail = options.tail === true && Number.isSafeInteger(size);
  if (!tail && !(size <= options.maxBytes)) {
    return { ok: false, kind: "refused", problem: `is ${sizeText} bytes, more than the ${options.maxBytes} bytes such a file may have` };
  }

  const window = tail ? [`skip=${Math.max(0, size - options.maxBytes)}`, `bs=${2 * options.maxBytes}`] : [`bs=${options.maxBytes + 1}`];
  const dd = await run(coreutil("dd"), [`if=${path}`, `iflag=nonblock,fullblock${tail ? ",skip_bytes" : ""}`, ...window, "count=1", "status=none"], {
    timeoutMs: left(),
    env: options.env,
  });
  if (dd.timedOut) return noAnswer();
  if (dd.exitCode !== 0) {
    return { ok: false, kind: "unreadable", problem: `cannot be read on this host (${lastLine(dd.stderr) || `dd exit ${dd.exitCode ?? dd.signal ?? dd.spawnError}`})` };
  }
  if (tail) return { ok: true, text: dd.stdout.slice(-options.maxBytes), mtimeMs: Number(mtimeText) * 1000 };
  // Each byte decodes to at most one UTF-16 unit, so a longer text means more bytes than the bound.
  if (dd.stdout.length > options.maxBytes) {
    return { ok: false, kind: "refused", problem: `grew past ${options.maxBytes} bytes while it was read` };
  }
  return { ok: true, text: dd.stdout, mtimeMs: Number(mtimeText) * 1000 };
}

/**
 * Whether a path a user named is an executable regular file for us (a
 * monitor script), asked of test(1) in children for the same reason as
 * above: a script on an NFS export whose server is gone must not hang the
 * agent. `test -f X` and `test -x X` have two arguments each, which POSIX
 * reads as a unary test whatever X is (a leading '-', '!', '=').
 */
export async function isExecutableUserFile(run: CommandRunner, path: string, options: Omit<ReadUserFileOptions, "maxBytes">): Promise<boolean | "no answer"> {
  const started = Date.now();
  for (const test of ["-f", "-x"]) {
    const result = await run(coreutil("test"), [test, path], { timeoutMs: Math.max(1, options.timeoutMs - (Date.now() - started)), env: options.env });
    if (result.timedOut) return "no answer";
    if (result.exitCode !== 0) return false;
  }
  return true;
}
