#!/usr/bin/env node
import { runCli } from "../lib/cli/program.ts";
import { xenHaCommands } from "./xen-ha-commands.ts";

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
