import { runCommand, type CommandRunner } from "../../lib/exec/command.ts";
import { isExecutableUserFile, readUserFile } from "../../lib/exec/read-user-file.ts";
import { realLeaseFs, type LeaseFs } from "../../lib/lease/lease-fs.ts";
import { runAgent, type AgentIo, type AgentRun } from "../../lib/ocf/run-agent.ts";
import { traceCommands } from "../../lib/ocf/trace.ts";
import { selectToolstack } from "../../lib/toolstack/select.ts";
import type { Toolstack } from "../../lib/toolstack/toolstack.ts";
import { xenDomain } from "./agent.ts";
import type { XenDomainDeps } from "./deps.ts";

/** What tests may replace; everything else comes from the AgentIo. */
export interface XenDomainOverrides {
  readonly run?: CommandRunner;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly leaseFs?: LeaseFs;
  readonly now?: () => number;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Composition root: the real command runner, the toolstack found on the
 * agent's PATH (io.env, not process.env, so that an agent run in-process
 * against a simulated host sees that host), and the per-resource record dir.
 */
export function xenDomainMain(io: AgentIo, overrides: XenDomainOverrides = {}): Promise<AgentRun> {
  return runAgent(xenDomain, io, ({ params, ocf, deadline, log }): XenDomainDeps => {
    const run = traceCommands(overrides.run ?? runCommand, log);
    let chosen: Toolstack | undefined;
    // one read per file per action (migrate_to reads the config for its name and its devices);
    // a file that did not answer once is not asked again inside the same action
    const reads = new Map<string, ReturnType<typeof readUserFile>>();
    return {
      toolstack: () =>
        (chosen ??= selectToolstack({
          preference: params.toolstack,
          pretendMissing: ocf.failHaveBinary,
          run,
          env: io.env,
          callTimeoutMs: deadline.callTimeoutMs,
        })),
      run,
      // the real programs even when a test scripts the toolstack's conversation through `run`
      readUserFile: (path, limits) => {
        const read = reads.get(path) ?? readUserFile(traceCommands(runCommand, log), path, { ...limits, env: io.env });
        reads.set(path, read);
        return read;
      },
      readLogTail: (path, limits) => readUserFile(traceCommands(runCommand, log), path, { ...limits, env: io.env, tail: true }),
      isExecutableUserFile: (path, timeoutMs) => isExecutableUserFile(traceCommands(runCommand, log), path, { timeoutMs, env: io.env }),
      env: io.env,
      sleep: overrides.sleep ?? realSleep,
      stateDir: io.env["HA_RSCTMP"] || "/run/resource-agents",
      exitReason: (reason) => io.stderr(`${ocf.exitReasonPrefix}${reason}\n`),
      leaseFs: overrides.leaseFs ?? realLeaseFs,
      now: overrides.now ?? Date.now,
    };
  });
}
