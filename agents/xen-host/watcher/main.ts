import { runCommand } from "../../../lib/exec/command.ts";
import { readUserFile } from "../../../lib/exec/read-user-file.ts";
import { createLogger } from "../../../lib/ocf/logger.ts";
import { startWatcher } from "./daemon.ts";
import { hostRestartEvidence } from "./evidence.ts";
import { fenceNoteReader } from "./fence.ts";
import { cachedResources, watchedResource } from "./records.ts";
import { startLines } from "./stream.ts";
import { xenstoredIdentity } from "./xenstored.ts";
import { SYSROOT_ENV } from "../../../lib/toolstack/host-evidence.ts";
import { parseWatcherArgs } from "./command.ts";

/** Composition root of the watcher process; runs until SIGTERM (XenHost's stop). */
export async function watcherMain(args: readonly string[], env: Readonly<Record<string, string | undefined>>, stderr: (text: string) => void): Promise<number> {
  const parsed = parseWatcherArgs(args);
  if (typeof parsed === "string") {
    stderr(`XenHost watch-domains: ${parsed}\n`);
    return 2;
  }
  const log = createLogger("XenHost-watcher", env, stderr);
  const watcher = startWatcher({
    run: runCommand,
    startLines,
    env,
    records: cachedResources(parsed.stateDir),
    recordOf: (resource) => watchedResource(parsed.stateDir, resource),
    restartEvidence: hostRestartEvidence(env),
    fenceNote: fenceNoteReader((path, limits) => readUserFile(runCommand, path, { ...limits, env }), Date.now),
    node: parsed.node,
    log,
    now: () => performance.now(),
    xenstoredIdentity: () => xenstoredIdentity(env[SYSROOT_ENV] || "/"),
  });
  log.info(`watching domain deaths for node ${parsed.node}`, { pid: process.pid });
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.once(signal, () => watcher.stop());
  await watcher.done;
  log.info("stopped");
  return 0;
}
