import { existsSync } from "node:fs";
import { runCommand, type CommandRunner } from "../../lib/exec/command.ts";
import { runAgent, type AgentIo, type AgentRun } from "../../lib/ocf/run-agent.ts";
import { traceCommands } from "../../lib/ocf/trace.ts";
import { SYSROOT_ENV } from "../../lib/toolstack/host-evidence.ts";
import { xenHost } from "./agent.ts";
import type { PoolProbe, XenHostDeps } from "./deps.ts";

/** What tests may replace; everything else comes from the AgentIo. */
export interface XenHostOverrides {
  readonly run?: CommandRunner;
  /** The data pool probe's commands (a test makes one hang); never its meaning. */
  readonly poolProbe?: PoolProbe;
  /** The program to start as the domain-death watcher (bin/XenHost.ts passes its own path). */
  readonly watcherLauncher?: string;
}

/** From /usr/bin or /bin, never PATH: PATH is the toolstack's (a simulator's), and these touch the user's storage. */
const coreutil = (name: string): string => [`/usr/bin/${name}`, `/bin/${name}`].find((path) => existsSync(path)) ?? `/usr/bin/${name}`;

/**
 * Write 4 KiB and fsync (reaches the server or the shared disk), read it
 * back, remove it. Paths go in as `of=`/`if=` operands and after `--`, so no
 * path is read as an option.
 */
const realPoolProbe: PoolProbe = (file) => [
  [coreutil("dd"), "if=/dev/zero", `of=${file}`, "bs=4096", "count=1", "conv=fsync", "status=none"],
  [coreutil("dd"), `if=${file}`, "of=/dev/null", "bs=4096", "count=1", "status=none"],
  [coreutil("rm"), "-f", "--", file],
];

/** Composition root: the real command runner, the kernel view, the state directory. */
export function xenHostMain(io: AgentIo, overrides: XenHostOverrides = {}): Promise<AgentRun> {
  return runAgent(xenHost, io, ({ ocf, log }): XenHostDeps => ({
    run: traceCommands(overrides.run ?? runCommand, log),
    env: io.env,
    sysroot: io.env[SYSROOT_ENV] || "/",
    stateDir: io.env["HA_RSCTMP"] || "/run/resource-agents",
    poolProbe: overrides.poolProbe ?? realPoolProbe,
    exitReason: (reason) => io.stderr(`${ocf.exitReasonPrefix}${reason}\n`),
    now: () => performance.now(),
    watcherLauncher: overrides.watcherLauncher,
  }));
}
