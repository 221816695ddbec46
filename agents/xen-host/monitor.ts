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
import { isStarted } from "./state.ts";

/** Runs every check at once (each bounded by its own timeout) and publishes the result; the host's colour. */
export async function checkAndPublish(ctx: XenHostContext): Promise<Colour> {
  const node = ctx.ocf.onNode ?? hostname();
  const [toolstack, peers, pool] = await Promise.all([checkToolstack(ctx), checkPeers(ctx), checkDataPool(ctx, node)]);
  const findings = [...toolstack.findings, ...checkDaemons(ctx), ...checkBridges(ctx), ...peers, ...pool, ...checkDom0(ctx)];
  const health = worst(findings);
  for (const f of findings) ctx.log.debug(`${f.check}: ${f.colour}: ${f.detail}`);
  await publish(ctx, { health, freeMemory: toolstack.freeMemoryMiB, toolstackLatency: toolstack.latencyMs });
  if (health === "green") {
    ctx.log.debug("host is green");
  } else {
    const why = causes(findings);
    if (health === "red") ctx.log.error(`host is red: ${why}`);
    else ctx.log.warn(`host is yellow: ${why}`);
    ctx.deps.exitReason(why);
  }
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
  await checkAndPublish(ctx);
  return OcfExit.Success;
}
