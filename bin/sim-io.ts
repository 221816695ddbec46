import { writeSync } from "node:fs";
import type { ToolIo } from "../lib/sim/context.ts";

/**
 * Text to fd 1 or 2 by write(2), as xl's printf does. process.stdout on a
 * pipe (how agents read xl) is a net.Socket: creating it loads net and
 * stream, about 8 ms of CPU in a call that is otherwise 50. A descriptor
 * that will not take the bytes now (EAGAIN: a parent left it non-blocking)
 * or fails (EPIPE) gets the rest, and from then on everything, through the
 * stream, which reports as it always did; so does all text once a tool takes
 * the stream itself (migrate-receive's byte protocol), to keep the order.
 */
function writer(fd: 1 | 2, stream: () => NodeJS.WritableStream) {
  let streaming = false;
  const viaStream = (): NodeJS.WritableStream => {
    streaming = true;
    return stream();
  };
  const write = (text: string): void => {
    if (streaming) {
      stream().write(text);
      return;
    }
    const bytes = Buffer.from(text, "utf8");
    let at = 0;
    try {
      while (at < bytes.length) at += writeSync(fd, bytes, at);
    } catch {
      viaStream().write(bytes.subarray(at));
    }
  };
  return { write, viaStream };
}

/** The process behind a simulated tool's ToolIo. */
export function toolIo(): ToolIo {
  const out = writer(1, () => process.stdout);
  const err = writer(2, () => process.stderr);
  return {
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    stdout: out.write,
    stderr: err.write,
    // getters: touching process.stdin sets up a stream, which only migrate-receive needs
    get input() {
      return process.stdin;
    },
    get output() {
      return out.viaStream();
    },
  };
}

/**
 * Ends the program with the tool's exit code once it has one. Not a
 * top-level await: the launchers load these programs as CommonJS bundles
 * (lib/sim/tool-bundle.ts). As with an awaited one, a rejection stays
 * unhandled and ends the process with its stack and exit 1, and a code that
 * never comes while nothing is left to wait for ends it with 13.
 */
export function exitWith(code: Promise<number> | number): void {
  process.exitCode = 13;
  void Promise.resolve(code).then((value) => {
    process.exitCode = value;
  });
}
