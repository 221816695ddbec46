#!/usr/bin/env node
import { xenHostMain } from "../agents/xen-host/main.ts";
import { WATCH_COMMAND } from "../agents/xen-host/watcher/command.ts";
import { runMain } from "./process-io.ts";

/**
 * XenHost, and its domain-death watcher: XenHost's start runs this same
 * program (its installed launcher) with WATCH_COMMAND, so the watcher
 * ships in the agent's bundle and needs no launcher of its own.
 */
if (process.argv[2] === WATCH_COMMAND) {
  // no top-level await: the bundle is CommonJS
  void import("../agents/xen-host/watcher/main.ts").then(async ({ watcherMain }) => {
    process.exitCode = await watcherMain(process.argv.slice(3), process.env, (text) => process.stderr.write(text));
  });
} else {
  void runMain("XenHost", async (io) => (await xenHostMain(io, { watcherLauncher: process.argv[1] })).code);
}
