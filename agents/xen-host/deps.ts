import type { CommandRunner } from "../../lib/exec/command.ts";
import type { ActionContext } from "../../lib/ocf/define-agent.ts";
import type { Env } from "../../lib/ocf/context.ts";
import type { XenHostParams } from "./params.ts";

/** The argv lists that probe one data pool path, run in order, each in a child the deadline kills. */
export type PoolProbe = (probeFile: string) => readonly (readonly [string, ...string[]])[];

/** What XenHost's actions use of the outside world; main.ts builds the real one. */
export interface XenHostDeps {
  /** Every child process: the toolstack, crm_attribute, the data pool probes. */
  readonly run: CommandRunner;
  /** The agent's environment, handed to every child process. */
  readonly env: Env;
  /** Directory standing for `/` when reading /proc and /sys (XEN_HA_SYSROOT; `/` on a real host). */
  readonly sysroot: string;
  /** Where the "started" state file lives (HA_RSCTMP, else /run/resource-agents). */
  readonly stateDir: string;
  readonly poolProbe: PoolProbe;
  /** Prints an exit reason for an outcome that is not an OcfError (a red host, monitor still 0). */
  readonly exitReason: (reason: string) => void;
  /** Monotonic ms, for latencies. */
  readonly now: () => number;
  /**
   * The program that runs this agent (its installed launcher, or bin/XenHost.ts):
   * started again as the domain-death watcher (watcher/control.ts). Unset
   * when the agent runs in-process (tests): no watcher then.
   */
  readonly watcherLauncher?: string | undefined;
}

export type XenHostContext = ActionContext<XenHostParams, XenHostDeps>;

/** Kept back from the checks for publishing the attributes afterwards (a few crm_attribute calls). */
export const PUBLISH_RESERVE_MS = 3_000;

/** A check's own limit, inside what the deadline leaves once the publishing time is set aside. */
export const checkTimeoutMs = (ctx: XenHostContext, capMs: number): number =>
  Math.max(100, Math.min(capMs, ctx.deadline.remainingMs() - PUBLISH_RESERVE_MS));

/**
 * The timeouts meta-data advertises; also the budget when the caller gives
 * none. Start and stop stay within Pacemaker's default of 20 s, so a clone
 * needs no start or stop op; a start's checks then get 15 s, more than the
 * default toolstack_timeout and data_pool_timeout.
 */
export const ADVERTISED_TIMEOUTS = {
  start: "20s",
  stop: "20s",
  monitor: "60s",
  validate: "10s",
  reload: "5s",
} as const;
