#!/usr/bin/env node
import { runCli } from "../lib/cli/program.ts";
import { xenHaCommands } from "./xen-ha-commands.ts";

// A reader that went away (`xen-ha cib plan FILE | head`) takes the rest of
// the output with it, as it would from a C tool's; the command still ends
// with its own exit code, and no stack trace reaches the terminal.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

process.exitCode = await runCli(
  process.argv.slice(2),
  {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  },
  xenHaCommands,
);
