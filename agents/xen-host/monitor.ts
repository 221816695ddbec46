import { hostname } from "node:os";
import { OcfExit, type OcfExitCode } from "../../lib/ocf/exit-code.ts";
import { publish } from "./attributes.ts";
import { checkBridges } from "./checks/bridges.ts";
import { checkDaemons } from "./checks/daemons.ts";
import { checkDataPool } from "./checks/data-pool.ts";
import { checkDom0 } from "./checks/dom0.ts";
import { checkPeers } from "./checks/peers.ts";
import { checkToolstack } from "./checks/toolstack.ts";
import type { XenHostContext } from "./deps.ts";
import { causes, worst, type Colour } from "./health.ts";
import { damp } from "./hysteresis.ts";
import { isStarted, loadMemory, saveMemory } from "./state.ts";

/** The CIB is read only for the CIB reserve; its code is loaded only then. */
async function reserve(ctx: XenHostContext) {
  if (!ctx.params.reserve_from_cib) return undefined;
  const { readReserveBasis, judgeReserve } = await import("./checks/reserve.ts");
  return { read: await readReserveBasis(ctx), judgeReserve };
}

/**
 * What the host can still take and keep its failover reserve, MiB (negative
 * when short; doc/xen-host.md §9): free memory less the larger of the fixed
 * and the CIB reserve. Not known without free memory, without any reserve
 * set (it would only repeat xen-free-memory-mib), or when the CIB reserve is
 * not known in full.
 */
export function reserveHeadroomMiB(memoryReserve: number, fromCib: boolean, freeMiB: number | undefined, cibReserveMiB: number | undefined): number | undefined {
  if (freeMiB === undefined) return undefined;
  if (fromCib) return cibReserveMiB === undefined ? undefined : freeMiB - Math.max(memoryReserve, cibReserveMiB);
  return memoryReserve > 0 ? freeMiB - memoryReserve : undefined;
}

/**
 * Runs every check at once (each bounded by its own timeout), damps the
 * colour (hysteresis.ts) and publishes it with the figures; the published
 * colour. The memory is saved only once published, so a failed publish is
 * tried again as new. `everything`: write every attribute, changed or not
 * (start).
 */
export async function checkAndPublish(ctx: XenHostContext, options: { readonly everything: boolean } = { everything: false }): Promise<Colour> {
  const node = ctx.ocf.onNode ?? hostname();
  const [toolstack, peers, pool, cib] = await Promise.all([checkToolstack(ctx), checkPeers(ctx), checkDataPool(ctx, node), reserve(ctx)]);
  const judged = cib?.judgeReserve(ctx, cib.read, toolstack.freeMemoryMiB, toolstack.runningHere);
  const findings = [...toolstack.findings, ...(judged?.findings ?? []), ...checkDaemons(ctx), ...checkBridges(ctx), ...peers, ...pool, ...checkDom0(ctx)];
  const found = worst(findings);
  const why = causes(findings);
  for (const f of findings) ctx.log.debug(`${f.check}: ${f.colour}: ${f.detail}`);
  const damped = damp(loadMemory(ctx), found, why, Date.now(), { recoverAfter: ctx.params.recover_after, minDwellMs: ctx.params.min_dwell * 1000 });
  const health = damped.publish;
  const { memory_reserve, reserve_from_cib } = ctx.params;
  const reserveHeadroom = reserveHeadroomMiB(memory_reserve, reserve_from_cib, toolstack.freeMemoryMiB, judged?.reserveMiB);
  await publish(ctx, { health, freeMemory: toolstack.freeMemoryMiB, toolstackLatency: toolstack.latencyMs, reserveHeadroom }, options);
  saveMemory(ctx, damped.memory);
  if (found === "red") ctx.log.error(`host is red: ${why}`);
  else if (found === "yellow") ctx.log.warn(`host is yellow: ${why}`);
  else ctx.log.debug("checks are green");
  if (damped.held !== undefined) ctx.log.warn(`host checks ${found}, ${damped.held}`);
  const reason = damped.held !== undefined ? `checks ${found}${found === "green" ? "" : ` (${why})`}; ${damped.held}` : found === "green" ? undefined : why;
  if (reason !== undefined) ctx.deps.exitReason(reason);
  return health;
}

/**
 * 7 when not started; otherwise 0 once the checks ran and the attributes
 * are published, whatever colour the host is: the colour is for
 * node-health-strategy, and a failed monitor would make Pacemaker restart
 * the clone instance instead (doc/xen-host.md §2). Only an agent that cannot
 * publish fails.
 */
export async function monitor(ctx: XenHostContext): Promise<OcfExitCode> {
  if (!isStarted(ctx)) return OcfExit.NotRunning;
  await (await import("./lifecycle.ts")).watcherControl(ctx, "checkWatcher");
  await checkAndPublish(ctx);
  return OcfExit.Success;
}
