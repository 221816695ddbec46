import { OcfExit, type OcfExitCode } from "../../lib/ocf/exit-code.ts";
import { clear } from "./attributes.ts";
import type { XenHostContext } from "./deps.ts";
import { checkAndPublish } from "./monitor.ts";
import { markStarted, markStopped } from "./state.ts";

/** Publishes a first result, every attribute, then counts as started: a node whose attributes cannot be written does not start it. */
export async function start(ctx: XenHostContext): Promise<OcfExitCode> {
  await checkAndPublish(ctx, { everything: true });
  markStarted(ctx);
  await watcherControl(ctx, "ensureWatcher");
  return OcfExit.Success;
}

/**
 * The domain-death watcher (watcher/control.ts) only shortens recovery:
 * the monitors find every death anyway, so a watcher that cannot be started
 * or stopped is logged, never a failed action.
 */
export async function watcherControl(ctx: XenHostContext, action: "ensureWatcher" | "stopWatcher" | "checkWatcher"): Promise<void> {
  try {
    await (await import("./watcher/control.ts"))[action](ctx);
  } catch (error) {
    ctx.log.error(`domain-death watcher: ${action} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Clears the attributes, then the state file. A stop that cannot reach
 * attrd still succeeds (logged, with an exit reason): a failed stop gets
 * the node fenced with every domain on it, a price out of all proportion to
 * a stale attribute, and a node that leaves the cluster loses its transient
 * attributes anyway.
 */
export async function stop(ctx: XenHostContext): Promise<OcfExitCode> {
  await watcherControl(ctx, "stopWatcher");
  try {
    await clear(ctx);
  } catch (error) {
    const message = `stopped, but the node attributes remain: ${(error as Error).message}`;
    ctx.log.error(message);
    ctx.deps.exitReason(message);
  }
  markStopped(ctx);
  return OcfExit.Success;
}

/** The parameters were decoded and checked before any handler runs; nothing else is needed to work. */
export async function validate(ctx: XenHostContext): Promise<OcfExitCode> {
  ctx.log.debug("parameters are valid");
  return OcfExit.Success;
}
