import { notInstalled, OcfError, OcfExit, type OcfExitCode } from "../../lib/ocf/exit-code.ts";
import { hostEvidence } from "../../lib/toolstack/host-evidence.ts";
import type { XenContext } from "./deps.ts";
import { recordPath, seenRunning, updateRecord } from "./record.ts";

/** How an action's answer reads: stop and monitor report a state, the others success or failure. */
export type ActionKind = "stop" | "monitor" | "other";

/**
 * Evidence decides, both ways: the one place where a failed action may
 * still say "stopped". Without the toolstack (xl gone from PATH during an
 * upgrade) or with a toolstack that fails, the domain may well be running:
 * the failure stands (5 or 1), never 0 or 7. Only positive evidence from the
 * kernel that no Xen domain can run under this host (lib/toolstack/
 * host-evidence.ts: it did not boot Xen, or it is a Xen guest) turns it
 * into the truth for this host: stop 0, monitor and probe 7, every other
 * action 5 (this host cannot run the resource; a configuration error stays 6).
 * Such a stop leaves what a normal stop leaves: the record cleared and this
 * host's lease released (lease_dir), so another host need not wait out its
 * timeout for a domain that cannot be running here.
 */
export async function judgeFailure(ctx: XenContext, kind: ActionKind, error: unknown): Promise<OcfExitCode> {
  if (!(error instanceof OcfError)) throw error;
  const host = hostEvidence(ctx.deps.env);
  if (!host.noXen) throw error;
  if (kind === "other") {
    if (error.exitCode === OcfExit.ErrConfigured) throw error;
    throw notInstalled(`${host.evidence}; no Xen domain can run on this host (${error.message})`);
  }
  ctx.log.info(`${error.message}; but ${host.evidence}, so no domain runs here`);
  // a stop leaves what every stop leaves (stop.ts), loaded only for a stop
  if (kind === "stop") return (await import("./stop.ts")).stoppedWithoutXen(ctx);
  updateRecord(recordPath(ctx.deps.stateDir, ctx.ocf.instance), seenRunning(undefined), ctx.log);
  return OcfExit.NotRunning;
}

/** The action, its failures judged by judgeFailure. */
export const judged =
  (kind: ActionKind, action: (ctx: XenContext) => Promise<OcfExitCode>) =>
  async (ctx: XenContext): Promise<OcfExitCode> => {
    try {
      return await action(ctx);
    } catch (error) {
      return await judgeFailure(ctx, kind, error);
    }
  };
