import { xenDomainMain, type XenDomainOverrides } from "../../agents/xen-domain/main.ts";
import type { ProcessIo } from "../../lib/protocol/process-io.ts";
import { captureIo, exitReasons } from "./capture-io.ts";

export type Env = Readonly<Record<string, string | undefined>>;

export interface AgentOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Every ocf-exit-reason line, in order; Pacemaker shows the last. */
  readonly reasons: readonly string[];
  readonly ms: number;
}

/**
 * Runs one XenDomain action in this process, as the LRM would run the
 * installed agent: `env` is the agent's whole environment (give it the
 * simulated host's PATH and XEN_SIM_* variables, e.g. createSimHost().env).
 */
export const runXenDomain = (action: string, env: Env, overrides: XenDomainOverrides = {}): Promise<AgentOutcome> =>
  runAgentInProcess((io) => xenDomainMain(io, overrides), action, env);

/** Runs one action of any agent's main in this process, with exactly `env` as its environment. */
export async function runAgentInProcess(main: (io: ProcessIo) => Promise<{ readonly code: number }>, action: string, env: Env): Promise<AgentOutcome> {
  const { io, out } = captureIo([action], env);
  const started = performance.now();
  const result = await main(io);
  return {
    code: result.code,
    stdout: out.stdout,
    stderr: out.stderr,
    reasons: exitReasons(out.stderr, env["OCF_EXIT_REASON_PREFIX"] ?? "ocf-exit-reason:"),
    ms: Math.round(performance.now() - started),
  };
}

/** The environment Pacemaker 2.1 gives an agent (doc/ocf.md §7.4), for `timeoutMs` and `intervalMs`. */
export function pacemakerEnv(instance: string, options: { timeoutMs?: number; intervalMs?: number } = {}): Env {
  return {
    OCF_ROOT: "/usr/lib/ocf",
    OCF_RA_VERSION_MAJOR: "1",
    OCF_RA_VERSION_MINOR: "1",
    OCF_RESOURCE_INSTANCE: instance,
    OCF_RESOURCE_TYPE: "XenDomain",
    OCF_RESOURCE_PROVIDER: "xen-ha",
    OCF_EXIT_REASON_PREFIX: "ocf-exit-reason:",
    OCF_RESKEY_CRM_meta_timeout: String(options.timeoutMs ?? 20_000),
    ...(options.intervalMs !== undefined ? { OCF_RESKEY_CRM_meta_interval: String(options.intervalMs) } : {}),
    HA_logfacility: "none",
  };
}

/** The legacy Heartbeat lrmd's environment: OCF 1.0, no CRM_meta variables at all. */
export function legacyEnv(instance: string): Env {
  return {
    OCF_ROOT: "/usr/lib/ocf",
    OCF_RA_VERSION_MAJOR: "1",
    OCF_RA_VERSION_MINOR: "0",
    OCF_RESOURCE_INSTANCE: instance,
    OCF_RESOURCE_TYPE: "XenDomain",
    OCF_RESOURCE_PROVIDER: "xen-ha",
  };
}
