import type { ToolIo } from "../lib/sim/context.ts";

/** The process behind a simulated tool's ToolIo. */
export function toolIo(): ToolIo {
  return {
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    // getters: touching process.stdin sets up a stream, which only migrate-receive needs
    get input() {
      return process.stdin;
    },
    get output() {
      return process.stdout;
    },
  };
}
