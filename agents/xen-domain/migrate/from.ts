import { genericError, OcfExit, type OcfExitCode } from "../../../lib/ocf/exit-code.ts";
import { POLL_MS, timeForAnotherLook, type XenContext } from "../deps.ts";
import { resolveResource } from "../domain-config.ts";
import { leaseGuard } from "../never-twice/lease-guard.ts";
import { describeLeftovers, findLeftovers } from "./leftovers.ts";
import { takeMigrationStart } from "./record.ts";
import { scriptsFailure } from "../monitor-scripts.ts";
import { describe, observe, type Observation } from "../observe.ts";
import { seenRunning, updateRecord } from "../record.ts";
import { restartEvidence } from "../restart-evidence.ts";
import type { DomainSettings } from "../../../lib/toolstack/domain-settings.ts";

/**
 * migrate_from, on the target, after migrate_to succeeded on the source.
 * xl renames the arriving NAME--incoming to NAME only at the end (and xm
 * shows NAME paused until then), so NAME is polled for, every POLL_MS until
 * the deadline, until it runs and its monitor scripts pass. Then the
 * domain's lease passes to this host, and the migration's duration is
 * reported (from the start migrate_to left on the data pool, when there is one).
 * While nothing of the domain is here (no NAME, no NAME--incoming), nothing
 * is arriving, and migrate_from fails at once, unless the toolstack's traces
 * say it is restarting it (restart-evidence.ts: a
 * guest that rebooted right after it arrived); then it is looked at again,
 * the evidence re-read each time.
 */
async function arrived(ctx: XenContext, name: string, settings: DomainSettings | undefined): Promise<{ domid: number; waitedMs: number }> {
  const started = ctx.deadline.elapsedMs();
  let seenDomid: number | undefined;
  let problem = "";
  for (;;) {
    const last: Observation = await observe(ctx.deps.toolstack(), name);
    if (last.kind !== "absent") seenDomid = last.domain.domid;
    if (last.kind === "running") {
      problem = (await scriptsFailure(ctx, name)) ?? "";
      if (problem === "") return { domid: last.domain.domid, waitedMs: ctx.deadline.elapsedMs() - started };
    } else if (last.kind === "paused") {
      problem = describe(last); // xm shows it paused until the transfer ends
    } else if (last.kind === "absent") {
      const leftovers = await findLeftovers(ctx.deps.toolstack(), name);
      // the incoming domain keeps its domid when xl renames it
      seenDomid = leftovers.find((l) => l.role === "incoming")?.observation.domain.domid ?? seenDomid;
      if (leftovers.length > 0) {
        problem = describeLeftovers(leftovers);
      } else {
        const evidence = await restartEvidence(ctx, name, last, settings, seenDomid);
        if (!evidence.restarting) throw genericError(`domain ${name} did not arrive: ${describe(last)}, and nothing of it is here (${evidence.why})`);
        if (!problem.endsWith(evidence.why)) ctx.log.info(`${describe(last)}; ${evidence.why}: waiting for it to come back`);
        problem = `${describe(last)}; ${evidence.why}`;
      }
    } else {
      throw genericError(`${describe(last)} after the migration`);
    }
    if (!timeForAnotherLook(ctx, 2)) break; // a look is the name, then its migration names (or the restart's evidence)
    await ctx.deps.sleep(POLL_MS);
  }
  throw genericError(`domain ${name} did not arrive in time: ${problem}`);
}

export async function migrateFrom(ctx: XenContext): Promise<OcfExitCode> {
  const { name, recordFile, settings } = await resolveResource(ctx, { config: "if-needed" });
  const { domid, waitedMs } = await arrived(ctx, name, settings);
  await leaseGuard(ctx, name).afterMigrateFrom();
  updateRecord(recordFile, seenRunning({ domid, name }), ctx.log);
  const start = await takeMigrationStart(ctx, name);
  const source = ctx.ocf.migrateSource ?? start?.source ?? "the source";
  if (start) ctx.log.info(`${name} migrated from ${source}: ${ctx.deps.now() - start.startedAt} ms from the start of migrate_to to running here`);
  else ctx.log.info(`${name} runs here after migrating from ${source} (found after ${waitedMs} ms; set lease_dir to have the whole duration reported)`);
  return OcfExit.Success;
}
