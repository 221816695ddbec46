import { OcfExit, type OcfExitCode } from "../../lib/ocf/exit-code.ts";
import type { XenContext } from "./deps.ts";
import { judged } from "./evidence.ts";
import { migrateFrom } from "./migrate/from.ts";
import { migrateTo } from "./migrate/to.ts";
import { monitor } from "./monitor.ts";
import { start } from "./start.ts";
import { stop } from "./stop.ts";
import { validate } from "./validate.ts";

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
