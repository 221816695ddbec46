import type { CommandRunner, CommandResult } from "../exec/command.ts";
import { describeFailure } from "../exec/command.ts";
import { withOcfRoot } from "../install/private-ocf-root.ts";

/** Where crm_resource looks: the CIB file holding the resource, and the OCF root holding its agent. */
export interface CrmTarget {
  readonly cibFile: string;
  readonly ocfRoot: string;
  /** Added to crm_resource's environment, which it passes on to the agent (PATH, XEN_SIM_*). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly run: CommandRunner;
}

/** What Pacemaker made of one agent action. */
export interface CrmOutcome {
  /** The agent's exit code as crm_resource reports it; undefined when it reported none. */
  readonly rc: number | undefined;
  /** Pacemaker's name for the code: "ok", "not running", "error", ... */
  readonly message: string;
  /** The agent's exit reason (its last ocf-exit-reason: line), when it gave one. */
  readonly reason: string | undefined;
  readonly ms: number;
  readonly result: CommandResult;
}

// "Operation force-check for vm1 (ocf:xen-ha:XenDomain) returned 1 (error: domain vm1 crashed)"
// "Operation validate (ocf:xen-ha:XenDomain) returned 6 (not configured: xmfile: ...)"
const OPERATION_LINE = /^Operation \S+ (?:for \S+ )?\([^)]*\) returned (\d+) \((.*)\)$/m;

export function parseOperationLine(stdout: string): Pick<CrmOutcome, "rc" | "message" | "reason"> {
  const match = OPERATION_LINE.exec(stdout);
  if (!match) return { rc: undefined, message: "no result line", reason: undefined };
  const text = match[2] ?? "";
  const colon = text.indexOf(": ");
  return colon < 0
    ? { rc: Number(match[1]), message: text, reason: undefined }
    : { rc: Number(match[1]), message: text.slice(0, colon), reason: text.slice(colon + 2) };
}

/**
 * Runs `crm_resource ARGS` against the target, with a hard timeout above the
 * operation's own (crm_resource enforces the op timeout itself; ours only
 * guards against crm_resource hanging).
 */
export async function crmResource(target: CrmTarget, args: readonly string[], timeoutMs = 120_000): Promise<CrmOutcome> {
  const call = withOcfRoot(target.ocfRoot, "crm_resource", args);
  const result = await target.run(call.file, call.args, {
    timeoutMs,
    env: { ...target.env, CIB_file: target.cibFile },
  });
  const parsed = parseOperationLine(result.stdout);
  if (parsed.rc === undefined && (result.spawnError || result.timedOut || result.signal)) {
    return { rc: undefined, message: describeFailure(result), reason: undefined, ms: result.durationMs, result };
  }
  return { ...parsed, ms: result.durationMs, result };
}

/** One agent action on a resource of the CIB, as Pacemaker runs it outside a cluster. */
export type ForcedAction = "force-start" | "force-check" | "force-stop";

export const forceAction = (target: CrmTarget, resource: string, action: ForcedAction): Promise<CrmOutcome> =>
  crmResource(target, [`--${action}`, "--resource", resource]);
