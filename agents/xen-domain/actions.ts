import { OcfExit, type OcfExitCode } from "../../lib/ocf/exit-code.ts";
import type { XenContext } from "./deps.ts";
import { judged } from "./evidence.ts";

/**
 * Each action's code is loaded when that action runs (the bundle keeps every
 * module behind its first import(), so a monitor evaluates nothing of start
 * or migrate_to, nor the Node modules only they need): Pacemaker starts the
 * agent afresh for every operation.
 */
const start = async (ctx: XenContext) => (await import("./start.ts")).start(ctx);
const stop = async (ctx: XenContext) => (await import("./stop.ts")).stop(ctx);
const monitor = async (ctx: XenContext) => (await import("./monitor.ts")).monitor(ctx);
const validate = async (ctx: XenContext) => (await import("./validate.ts")).validate(ctx);
const migrateTo = async (ctx: XenContext) => (await import("./migrate/to.ts")).migrateTo(ctx);
const migrateFrom = async (ctx: XenContext) => (await import("./migrate/from.ts")).migrateFrom(ctx);

/** Every action reads its parameters afresh, so a reload only has to acknowledge. */
async function reloadAgent(ctx: XenContext): Promise<OcfExitCode> {
  ctx.log.info("parameters are read by every action; the new values apply from the next one");
  return OcfExit.Success;
}

export const actions = {
  start: judged("other", start),
  stop: judged("stop", stop),
  monitor: judged("monitor", monitor),
  validate: judged("other", validate),
  reloadAgent,
  migrateTo: judged("other", migrateTo),
  migrateFrom: judged("other", migrateFrom),
};
