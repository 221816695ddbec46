import { simContext, type ToolIo } from "../context.ts";
import { monitorDomain, registerMonitor } from "./monitor.ts";
import { ignoreStrayWakes } from "./processes.ts";
import { monitorLog } from "../xl/create.ts";
import { findByDomid } from "./store.ts";

/** The detached monitor process: registers itself, reports ready, then watches the domain. */
export async function runMonitorDaemon(root: string, host: string, domid: number, uuid: string, io: ToolIo): Promise<number> {
  ignoreStrayWakes();
  const ctx = simContext(root, host, io);
  const name = findByDomid(ctx.read(), domid)?.name;
  if (!name || !registerMonitor(ctx, domid, uuid)) {
    io.stdout("gone\n");
    return 1;
  }
  io.stdout("ready\n");
  const log = monitorLog(ctx, name);
  try {
    await monitorDomain(ctx, domid, { log, xend: ctx.persona.tool === "xm" });
    return 0;
  } catch (error) {
    log(`monitor failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}
