import { genericError, OcfExit, type OcfExitCode } from "../../lib/ocf/exit-code.ts";
import { DEEP_CHECK_LEVEL, type XenContext } from "./deps.ts";
import { resolveResource, settingsIfReadable } from "./domain-config.ts";
import { leaseGuard } from "./never-twice/lease-guard.ts";
import { describeLeftovers, findLeftovers, observeHere } from "./migrate/leftovers.ts";
import { runMonitorScripts } from "./monitor-scripts.ts";
import { checkNoPeerCopy } from "./never-twice/peer-check.ts";
import { describe, observeSettled } from "./observe.ts";
import { readRecord, seenRunning, updateRecord } from "./record.ts";
import { autosetUtilization } from "./utilization.ts";

export { DEEP_CHECK_LEVEL };

/**
 * monitor (and probe, and legacy status): 0 running, 7 only when the
 * toolstack says the domain does not exist, degraded when paused (190, which
 * run-agent turns into 1 for callers older than OCF 1.1), 1 for every other
 * state (crashed, shut down, suspended, dying) and for any toolstack failure.
 */
export async function monitor(ctx: XenContext): Promise<OcfExitCode> {
  const { toolstack, name, settings, recordFile } = await resolveResource(ctx, { config: "if-needed" });

  const here = await observeHere(toolstack, name);
  const observation = await observeSettled(ctx, name, settings, readRecord(recordFile).runningDomid, here.observation);
  updateRecord(recordFile, seenRunning(observation.kind === "running" ? { domid: observation.domain.domid, name } : undefined), ctx.log);
  switch (observation.kind) {
    case "absent": {
      // not running here unless it is here under a migration's name
      const leftovers = observation === here.observation ? here.leftovers : await findLeftovers(ctx.deps.toolstack(), name);
      if (leftovers.length > 0) throw genericError(`domain ${name} does not exist, but ${describeLeftovers(leftovers)}`);
      ctx.log.debug(describe(observation));
      return OcfExit.NotRunning;
    }
    case "running":
      await leaseGuard(ctx, name).whileRunning();
      if (ctx.params.autoset_utilization_cpu || ctx.params.autoset_utilization_hv_memory) {
        // maxmem comes from the config; a config this host cannot read now only costs that figure
        const known = settings ?? (ctx.params.autoset_utilization_hv_memory ? await settingsIfReadable(ctx, toolstack.name) : undefined);
        await autosetUtilization(ctx, observation.domain, known, recordFile);
      }
      await runMonitorScripts(ctx, name);
      if (ctx.ocf.checkLevel >= DEEP_CHECK_LEVEL) await checkNoPeerCopy(ctx, name);
      return OcfExit.Success;
    case "paused":
      await leaseGuard(ctx, name).whileRunning();
      ctx.log.warn(describe(observation));
      ctx.deps.exitReason(describe(observation));
      return OcfExit.Degraded;
    default:
      throw genericError(describe(observation));
  }
}
