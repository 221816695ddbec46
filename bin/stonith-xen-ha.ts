#!/usr/bin/env node
import { hostname } from "node:os";
import { realFenceXenDeps } from "../agents/fence-xen/device.ts";
import { xenHaPlugin } from "../agents/fence-xen/plugin.ts";
import { runStonithPlugin } from "../lib/stonith-plugin/run-plugin.ts";

// Installed as <stonith plugin dir>/xen-ha: cluster-glue runs `xen-ha <op> [node]` with the configuration in env.
process.exitCode = await runStonithPlugin(xenHaPlugin(realFenceXenDeps(`external/xen-ha@${hostname()}`)), {
  argv: process.argv.slice(2),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
