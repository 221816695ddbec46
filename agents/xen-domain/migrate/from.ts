import { genericError, OcfExit, type OcfExitCode } from "../../../lib/ocf/exit-code.ts";
import { POLL_MS, REBOOT_GAP_MS, timeForAnotherLook, type XenContext } from "../deps.ts";
import { resolveResource } from "../domain-config.ts";
import { leaseGuard } from "../never-twice/lease-guard.ts";
import { describeLeftovers, findLeftovers } from "./leftovers.ts";
import { takeMigrationStart } from "./record.ts";
import { scriptsFailure } from "../monitor-scripts.ts";
import { describe, observe, type Observation } from "../observe.ts";
import { seenRunning, updateRecord } from "../record.ts";

/**
 * migrate_from, on the target, after migrate_to succeeded on the source.
 * xl renames the arriving NAME--incoming to NAME only at the end (and xm
 * shows NAME paused until then), so NAME is polled for, every POLL_MS until
 * the deadline, until it runs and its monitor scripts pass. Then the
 * domain's lease passes to this host, and the migration's duration is
 * reported (from the start migrate_to left on the data pool, when there is one).
 * While nothing of the domain is here (no NAME, no NAME--incoming), nothing
 * is arriving: after NOTHING_HERE_MS of that, migrate_from fails at once.
 */
const NOTHING_HERE_MS = REBOOT_GAP_MS;
async function arrived(ctx: XenContext, name: string): Promise<{ domid: number; waitedMs: number }> {
  const started = ctx.deadline.elapsedMs();
  let nothingSince: number | undefined;
  let problem = "";
  for (;;) {
    const last: Observation = await observe(ctx.deps.toolstack(), name);
    if (last.kind === "running") {
      problem = (await scriptsFailure(ctx, name)) ?? "";
      if (problem === "") return { domid: last.domain.domid, waitedMs: ctx.deadline.elapsedMs() - started };
    } else if (last.kind === "paused") {
      problem = describe(last); // xm shows it paused until the transfer ends
    } else if (last.kind === "absent") {
      const leftovers = await findLeftovers(ctx.deps.toolstack(), name);
      problem = leftovers.length > 0 ? describeLeftovers(leftovers) : describe(last);
      // with nothing of the domain here at all, nothing is on its way either: wait no longer than a name gap
      nothingSince = leftovers.length > 0 ? undefined : (nothingSince ?? ctx.deadline.elapsedMs());
      if (nothingSince !== undefined && ctx.deadline.elapsedMs() - nothingSince >= NOTHING_HERE_MS) break;
    } else {
      throw genericError(`${describe(last)} after the migration`);
    }
    if (!timeForAnotherLook(ctx, 2)) break; // a look is the name, then its migration names
    await ctx.deps.sleep(POLL_MS);
  }
  throw genericError(`domain ${name} did not arrive in time: ${problem}`);
}

export async function migrateFrom(ctx: XenContext): Promise<OcfExitCode> {
  const { name, recordFile } = await resolveResource(ctx, { config: "if-needed" });
  const { domid, waitedMs } = await arrived(ctx, name);
  await leaseGuard(ctx, name).afterMigrateFrom();
  updateRecord(recordFile, seenRunning({ domid, name }), ctx.log);
  const start = await takeMigrationStart(ctx, name);
  const source = ctx.ocf.migrateSource ?? start?.source ?? "the source";
  if (start) ctx.log.info(`${name} migrated from ${source}: ${ctx.deps.now() - start.startedAt} ms from the start of migrate_to to running here`);
  else ctx.log.info(`${name} runs here after migrating from ${source} (found after ${waitedMs} ms; set lease_dir to have the whole duration reported)`);
  return OcfExit.Success;
}
