import { OcfExit, type OcfExitCode } from "../../lib/ocf/exit-code.ts";
import type { XenHostContext } from "./deps.ts";

/** Each action's code is loaded when that action runs: every monitor is a fresh process. */
const start = async (ctx: XenHostContext) => (await import("./lifecycle.ts")).start(ctx);
const stop = async (ctx: XenHostContext) => (await import("./lifecycle.ts")).stop(ctx);
const monitor = async (ctx: XenHostContext) => (await import("./monitor.ts")).monitor(ctx);
const validate = async (ctx: XenHostContext) => (await import("./lifecycle.ts")).validate(ctx);

/** Every action reads its parameters afresh, so a reload only has to acknowledge. */
async function reloadAgent(ctx: XenHostContext): Promise<OcfExitCode> {
  ctx.log.info("parameters are read by every action; the new values apply from the next monitor");
  return OcfExit.Success;
}

export const actions = { start, stop, monitor, validate, reloadAgent };
