import { hostname } from "node:os";
import type { CommandResult } from "../../../lib/exec/command.ts";
import { genericError, invalidHere, OcfExit, type OcfExitCode } from "../../../lib/ocf/exit-code.ts";
import { stderrSummary } from "../../../lib/toolstack/invoke.ts";
import type { XenContext } from "../deps.ts";
import { resolveResource } from "../domain-config.ts";
import { thisDom0 } from "./here.ts";
import { preflight } from "./preflight.ts";
import { recordMigrationStart } from "./record.ts";
import { settleMigration } from "./settle.ts";
import { transportTo } from "./transport.ts";
import { describe, observe } from "../observe.ts";
import { leavingUntil, seenRunning, updateRecord } from "../record.ts";

/**
 * migrate_to, on the source (doc/ocf.md §1.9: migrate_to here, migrate_from
 * on the target, then stop here). The target node comes from
 * OCF_RESKEY_CRM_meta_migrate_target, its address from the migration
 * parameters. The pre-flight runs before anything moves; then `xl migrate`
 * (or `xm migrate --live`) gets a time budget inside the operation's
 * timeout. Past it, xl migrate is killed and both hosts are looked at
 * (migrate-settle.ts), as after any failure.
 */

/** Time kept after the budget for the kill, the look at both hosts and any clean-up. */
function reserveMs(ctx: XenContext): number {
  return Math.min(20_000, Math.max(3_000, Math.round((ctx.ocf.timeoutMs ?? 120_000) / 4)));
}

export function migrationBudgetMs(ctx: XenContext): number {
  const available = ctx.deadline.remainingMs() - reserveMs(ctx);
  const wanted = ctx.params.migration_budget === undefined ? available : ctx.params.migration_budget * 1000;
  if (wanted > available) ctx.log.warn(`migration_budget ${ctx.params.migration_budget} s does not fit in the migrate_to timeout; using ${available} ms`);
  return Math.min(wanted, available);
}

function failureOf(result: CommandResult, budgetMs: number): string {
  if (result.timedOut) return `the migration did not finish within its budget of ${budgetMs} ms and was stopped`;
  if (result.exitCode === undefined) return `${result.command}: killed by ${result.signal ?? "a signal"}`;
  // xm prints xend's "Error: ..." and then its usage text: the error is what counts
  const xendError = result.stderr.split("\n").find((line) => line.startsWith("Error: "));
  return `${result.command.split(" ").slice(0, 2).join(" ")} failed (exit ${result.exitCode}): ${xendError?.slice("Error: ".length) ?? stderrSummary(result.stderr)}`;
}

export async function migrateTo(ctx: XenContext): Promise<OcfExitCode> {
  const { toolstack, name, settings, recordFile } = await resolveResource(ctx, { config: "if-needed" });
  const node = ctx.ocf.migrateTarget;
  if (node === undefined) throw invalidHere("migrate_to needs the target node (OCF_RESKEY_CRM_meta_migrate_target is not set)");
  const transport = await transportTo(ctx, node);
  const here = await observe(toolstack, name);
  // run again after a success whose answer was lost, or after an interrupted attempt: see where it is
  if (here.kind === "absent") return settleMigration(ctx, transport, name, `domain ${name} does not exist here`);
  if (here.kind !== "running") throw genericError(`${describe(here)}; only a running domain is migrated`);
  if (ctx.params.migration_preflight) await preflight(ctx, transport, name, here.domain, settings);

  const budgetMs = migrationBudgetMs(ctx);
  if (budgetMs < 1_000) throw genericError(`no time left in the migrate_to timeout for a migration (${budgetMs} ms)`);
  const startedAt = ctx.deps.now();
  updateRecord(recordFile, leavingUntil("migrate_to", ctx.deadline.remainingMs()), ctx.log);
  await recordMigrationStart(ctx, name, { source: ctx.ocf.migrateSource ?? ctx.ocf.onNode ?? hostname(), target: node, startedAt });
  ctx.log.info(`migrating ${name} to ${node} (${transport.address}) within ${budgetMs} ms`);
  const result = await thisDom0(ctx).migration.migrate(name, transport.address, { sshCommand: transport.sshCommand, config: ctx.params.migration_config }, budgetMs);
  updateRecord(recordFile, seenRunning(undefined), ctx.log);
  if (result.exitCode === 0) {
    ctx.log.info(`${name} migrated to ${node}`, { ms: ctx.deps.now() - startedAt });
    return OcfExit.Success;
  }
  const failure = failureOf(result, budgetMs);
  for (const line of result.stderr.split("\n").filter(Boolean)) ctx.log.info(`${toolstack.name} migrate: ${line}`);
  ctx.log.warn(failure);
  return settleMigration(ctx, transport, name, failure);
}
