import { writeSync } from "node:fs";
import { runCommand } from "../lib/exec/command.ts";
import type { ProcessIo, StdinLimits, StdinRead, SyslogBatch } from "../lib/protocol/process-io.ts";

/**
 * Runs one agent, fence agent or plugin in this process: its exit code
 * becomes the process's. The run loops map every error to their protocol's
 * failure; what escapes them anyway (a crash outside any action, an error on
 * a closed stdout) ends the process with exit 1 and one line, never a stack trace.
 *
 * The process exits as soon as main has its answer, not when the event loop
 * runs dry: the exit code is the answer the LRM or the fencer waits for, and
 * a tool's process handle stays in the loop until the tool is reaped, which a
 * tool stuck in the kernel after its KILL (an uninterruptible wait) may never
 * be; nor need a question asked ahead and not used be waited for (its group
 * gets KILL on the way out: lib/exec/command.ts). Nothing written is lost:
 * processIo's stdout and stderr are write(2) calls that have returned before
 * main does (writeAll), and the syslog batch is handed over inside main
 * (lib/protocol/run-loop.ts).
 */
export async function runMain(name: string, main: (io: ProcessIo) => Promise<number>): Promise<void> {
  const crash: (error: unknown) => never = (error) => {
    const text = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${name}: ERROR: internal error: ${text.split("\n")[0]}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
  let code: number;
  try {
    code = await main(processIo());
  } catch (error) {
    crash(error);
  }
  process.exit(code);
}

/** The real process behind a ProcessIo, built once per run: the only place that meets argv, env and the std streams. */
export function processIo(): ProcessIo {
  return {
    argv: process.argv.slice(2),
    env: process.env,
    stdout: (text) => writeAll(1, text),
    stderr: (text) => writeAll(2, text),
    stdin: readStdin,
    syslog: sendToSyslog,
  };
}

/**
 * Writes all of `text` to fd 1 or 2 at once. Not process.stdout/stderr: their
 * stream machinery is a tenth of an agent's start-up (Pacemaker starts one per
 * operation), and an agent's few lines need none of it; writes to a pipe are
 * synchronous on Linux either way. A reader that went away loses the rest, as
 * it would from a stream.
 */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      // a descriptor someone made non-blocking: wait a moment for the reader, as a blocking
      // write would, but not for ever: a reader that stopped reading loses the rest
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN" || waitedMs >= MAX_WRITE_WAIT_MS) return;
      Atomics.wait(PAUSE, 0, 0, 1);
      waitedMs += 1;
    }
  }
}
/** How long all of one process's writes to a full pipe may wait for its reader, in total. */
const MAX_WRITE_WAIT_MS = 5_000;
let waitedMs = 0;
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * Reads fd 0 to its end through Node's stream (never readFileSync on a
 * descriptor Node may have made non-blocking: EAGAIN when the writer is late
 * or writes more than a pipe holds), within a size and a time bound. Past a
 * bound the stream is destroyed, so that nothing keeps the process alive.
 */
function readStdin(limits: StdinLimits): Promise<StdinRead> {
  const stream = process.stdin;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: StdinRead) => {
      clearTimeout(timer);
      stream.removeAllListeners("data").removeAllListeners("end").removeAllListeners("error");
      if (!result.ok) stream.destroy();
      else stream.pause();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ ok: false, problem: `stdin did not end within ${limits.timeoutMs / 1000} s` }),
      limits.timeoutMs,
    );
    stream.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) finish({ ok: false, problem: `stdin holds more than ${limits.maxBytes} bytes` });
      else chunks.push(chunk);
    });
    stream.on("end", () => finish({ ok: true, bytes: Buffer.concat(chunks) }));
    stream.on("error", (error) => finish({ ok: false, problem: `cannot read stdin: ${error.message}` }));
  });
}

/** One logger(1) call per action; a system log that does not take the lines never changes the outcome. */
async function sendToSyslog(batch: SyslogBatch): Promise<void> {
  try {
    await runCommand("logger", ["--prio-prefix", "-t", batch.tag], { timeoutMs: 2_000, input: `${batch.lines.join("\n")}\n` });
  } catch {
    // logger missing or failing: the lines already went to stderr and the log files
  }
}
