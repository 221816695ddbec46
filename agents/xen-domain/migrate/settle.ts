import { genericError, OcfExit, type OcfExitCode } from "../../../lib/ocf/exit-code.ts";
import type { DomainRow, Toolstack } from "../../../lib/toolstack/toolstack.ts";
import type { XenContext } from "../deps.ts";
import type { MigrationName } from "../../../lib/toolstack/migration-names.ts";
import { thisDom0 } from "./here.ts";
import { leftoversIn } from "./leftovers.ts";
import type { Transport } from "./transport.ts";
import { conditionOf, describe, type Observation } from "../observe.ts";

/**
 * After a migration that did not report success (or when migrate_to finds
 * the domain gone from here), look at both hosts and end with the domain
 * running exactly once where that can be known, and a code and reason that
 * say where it is (doc/xl-behaviour.md §4.4):
 * - it runs here: a partial copy on the target is removed; failure, "still runs here";
 * - it runs on the target (the report was lost, or xl was stopped after the
 *   handover): our suspended NAME--migratedaway is destroyed, as xl would have; success;
 * - NAME--migratedaway here and a complete, paused NAME--incoming there (the
 *   "go" was lost): only the target copy can run again (xl has no resume), so
 *   the handover is finished there (rename, unpause); success once it runs;
 * - xm's migrating-NAME still running here (the relocation was cut): the
 *   target's paused partial copy is removed and the name given back; failure;
 * - anything else (suspended here, target unreachable, nothing anywhere):
 *   failure, naming what is on each host; stop on both hosts then clears it.
 */
type Rows = readonly DomainRow[];

/** xl's words when the source domain is resumed after a failed migration (xl_migrate.c). */
const RESUMED = /resuming at sender|Resumed OK/;

const observationOf = (row: DomainRow): Exclude<Observation, { kind: "absent" }> => ({
  kind: conditionOf(row.state),
  name: row.name ?? "(null)",
  domain: row,
});

function summary(rows: Rows | string, name: string, names: readonly MigrationName[], host: string): string {
  if (typeof rows === "string") return `${host} cannot be asked (${rows})`;
  const copies = rows.filter((row) => row.name === name || leftoversIn([row], names).length > 0);
  return copies.length === 0 ? `nothing of ${name} on ${host}` : `on ${host}: ${copies.map((row) => describe(observationOf(row))).join("; ")}`;
}

async function destroyOrSay(ctx: XenContext, toolstack: Toolstack, row: DomainRow, where: string): Promise<void> {
  ctx.log.warn(`${describe(observationOf(row))} on ${where}: destroying it`);
  const answer = await toolstack.destroy(row.name ?? String(row.domid));
  if (answer.kind === "failed") throw genericError(`cannot destroy ${row.name} on ${where}: ${answer.detail}`);
}

/** The "go" was lost: the target holds the whole domain, paused as NAME--incoming; start it there. */
async function finishHandover(ctx: XenContext, transport: Transport, remote: Toolstack, name: string, incoming: DomainRow): Promise<void> {
  const commands = transport.target.migration;
  ctx.log.warn(`${describe(observationOf(incoming))} on ${transport.node} holds the whole domain: finishing the handover there`);
  await commands.rename(incoming.name as string, name);
  await commands.unpause(name);
  const after = await remote.lookup(name);
  if (!after.present || conditionOf(after.domain.state) !== "running") {
    throw genericError(`finishing the handover on ${transport.node}: ${name} is not running there (${after.present ? after.domain.state.letters : "absent"})`);
  }
}

export async function settleMigration(ctx: XenContext, transport: Transport, name: string, failure: string): Promise<OcfExitCode> {
  const local = ctx.deps.toolstack();
  const remote = transport.target.toolstack;
  const here = await local.list();
  let there: Rows | string;
  try {
    there = await remote.list();
  } catch (error) {
    there = error instanceof Error ? error.message : String(error);
  }
  const node = transport.node;
  const names = local.migrationNames(name);
  const state = `${summary(here, name, names, "this host")}; ${summary(there, name, names, node)}`;
  const mine = here.find((row) => row.name === name);
  const away = leftoversIn(here, names).find((l) => l.role !== "incoming");
  const theirs = typeof there === "string" ? undefined : there.find((row) => row.name === name);
  const theirIncoming = typeof there === "string" ? undefined : leftoversIn(there, names).find((l) => l.role === "incoming");
  const runsThere = theirs !== undefined && conditionOf(theirs.state) === "running";

  if (mine && conditionOf(mine.state) === "running") {
    if (runsThere) throw genericError(`${failure}; ${name} runs here AND on ${node}: ${state}`);
    // our copy runs, so whatever arrived there is a dead end; a toolstack without an incoming name (xm) has its arriving copy as NAME, paused
    if (theirs && !names.some((worn) => worn.role === "incoming")) await destroyOrSay(ctx, remote, theirs, node);
    if (theirIncoming) await destroyOrSay(ctx, remote, theirIncoming.observation.domain, node);
    if (RESUMED.test(failure)) {
      // doc/xl-behaviour.md §7.7: a failure after the suspend ends xl's monitoring process for the domain, and no xl command restarts it
      ctx.log.warn(
        `${name} was resumed here after the failed migration; if the failure came after its suspend, xl no longer watches it: ` +
          `on_poweroff/on_reboot/on_crash are not carried out, and a guest reboot leaves it shut down (monitor reports that as a failure). ` +
          `Restarting the resource (stop, start) restores them`,
      );
    }
    throw genericError(`${failure}; ${name} still runs here`);
  }
  if (mine) throw genericError(`${failure}; ${state}`);
  if (away?.role === "migrating" && away.observation.kind === "running") {
    if (theirs && !runsThere) await destroyOrSay(ctx, remote, theirs, node);
    await thisDom0(ctx).migration.rename(away.observation.name, name);
    throw genericError(`${failure}; the relocation was cut short, ${name} has its name back and still runs here`);
  }
  if (away && runsThere) {
    ctx.log.warn(`${name} runs on ${node}: the migration completed although: ${failure}`);
    await destroyOrSay(ctx, local, away.observation.domain, "this host");
    return OcfExit.Success;
  }
  if (away?.role === "migrated-away" && theirIncoming?.observation.kind === "paused" && theirs === undefined) {
    await finishHandover(ctx, transport, remote, name, theirIncoming.observation.domain);
    await destroyOrSay(ctx, local, away.observation.domain, "this host");
    ctx.log.warn(`the handover of ${name} to ${node} was finished by this agent after: ${failure}`);
    return OcfExit.Success;
  }
  if (!away && runsThere) {
    ctx.log.info(`${name} runs on ${node}${failure ? ` (${failure})` : ""}`);
    return OcfExit.Success;
  }
  throw genericError(`${failure}; ${state}`);
}
