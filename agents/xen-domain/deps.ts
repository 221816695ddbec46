import type { CommandRunner } from "../../lib/exec/command.ts";
import type { UserFileRead } from "../../lib/exec/read-user-file.ts";
import type { LeaseFs } from "../../lib/lease/lease-fs.ts";
import type { ActionContext } from "../../lib/ocf/define-agent.ts";
import type { Env } from "../../lib/ocf/context.ts";
import type { Toolstack } from "../../lib/toolstack/toolstack.ts";
import type { XenDomainParams } from "./params.ts";

/** What XenDomain's actions use of the outside world; main.ts builds the real one. */
export interface XenDomainDeps {
  /** The toolstack on this host, chosen on first use (throws "not installed" when there is none). */
  readonly toolstack: () => Toolstack;
  /** For monitor scripts and crm_resource; toolstack calls go through `toolstack`. */
  readonly run: CommandRunner;
  /** Reads a file a user named (the config), bounded in size and time (lib/exec/read-user-file.ts). */
  readonly readUserFile: (path: string, limits: { readonly maxBytes: number; readonly timeoutMs: number }) => Promise<UserFileRead>;
  /**
   * The end of a log the toolstack writes (xl-NAME.log, xend.log), read
   * afresh each time (it grows while a restart goes on), by the same
   * bounded children as readUserFile: a FIFO, a device or a hung mount
   * cannot block the agent.
   */
  readonly readLogTail: (path: string, limits: { readonly maxBytes: number; readonly timeoutMs: number }) => Promise<UserFileRead>;
  /** Whether a path a user named (a monitor script) is an executable regular file, asked in children within `timeoutMs`. */
  readonly isExecutableUserFile: (path: string, timeoutMs: number) => Promise<boolean | "no answer">;
  /** The agent's environment, handed to every child process. */
  readonly env: Env;
  readonly sleep: (ms: number) => Promise<void>;
  /** Directory for the per-resource record (HA_RSCTMP, else /run/resource-agents). */
  readonly stateDir: string;
  /** Prints an exit reason for an outcome that is a return code, not an OcfError (e.g. degraded). */
  readonly exitReason: (reason: string) => void;
  /** The HA data pool's file operations, for leases (tests give one host a faulty pool). */
  readonly leaseFs: LeaseFs;
  /** Wall clock in ms: lease renewal times. */
  readonly now: () => number;
}

export type XenContext = ActionContext<XenDomainParams, XenDomainDeps>;

/** Sub-second polling: state changes are seen within a quarter second. */
export const POLL_MS = 250;

/** Below this, an `xl list` would be killed before it can answer (a loaded dom0 takes a few hundred ms). */
export const MIN_LOOK_MS = 500;

/**
 * Whether a wait may sleep and look `calls` more times: a look begun with too
 * little time left is killed, and its "no answer" would replace what the wait
 * already knows in the exit reason.
 */
export const timeForAnotherLook = (ctx: XenContext, calls = 1): boolean => ctx.deadline.remainingMs() >= POLL_MS + calls * MIN_LOOK_MS;

/**
 * A question asked ahead of its answer's use, so that two toolstack calls
 * or file reads overlap: a failure is kept for the await that uses it, and
 * an answer never used is dropped without an unhandled rejection.
 */
export function meanwhile<T>(asked: Promise<T>): Promise<T> {
  asked.catch(() => {});
  return asked;
}

/** The timeouts meta-data advertises, those of ocf:heartbeat:Xen; also the budget when the caller gives none. */
export const ADVERTISED_TIMEOUTS = {
  start: "60s",
  stop: "40s",
  monitor: "30s",
  validate: "5s",
  reload: "5s",
  migrate: "120s",
} as const;

/** OCF_CHECK_LEVEL from which monitor also asks the peer_dom0s for a second copy (advertised as depth 10). */
export const DEEP_CHECK_LEVEL = 10;
