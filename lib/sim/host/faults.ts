import { ToolExit, type SimContext } from "../context.ts";
import { allocateDomid } from "./hypervisor.ts";
import { libxlLine } from "../xl/messages.ts";

/**
 * Per-command fault knobs: extra latency, a hang until killed, transient
 * failures with realistic libxl (or xend) errors. Applied after the command
 * line was accepted, before the command acts, so a failing or hanging call
 * changes nothing.
 */
function knobFor<T>(table: Readonly<Record<string, T>>, command: string): T | undefined {
  return table[command] ?? table["*"];
}

/** Never returns: the process stays until something kills it (the agent's timeout, a host kill). */
export function hangForever(): Promise<never> {
  setInterval(() => {}, 1 << 30);
  return new Promise<never>(() => {});
}

const EAGAIN = "Resource temporarily unavailable";

function xlFailure(ctx: SimContext, command: string): number {
  const out = ctx.io.stderr;
  switch (command) {
    case "list":
    case "info":
    case "uptime":
    case "vcpu-list":
      out(libxlLine("error", "libxl_list_domain", null, `getting domain info list: ${EAGAIN}`));
      out("libxl_list_domain failed.\n");
      return 1;
    case "create": {
      const domid = ctx.update((record) => {
        const id = allocateDomid(record, Date.now(), ctx.clock.ms("domidReuseMs"));
        record.freedDomids.push({ domid: id, at: Date.now() });
        return id;
      });
      out(libxlLine("error", "libxl__build_dom", domid, `xc_dom_boot_mem_init failed: ${EAGAIN}`));
      out(libxlLine("error", "domcreate_rebuild_done", domid, "cannot (re-)build domain: -3"));
      return 3;
    }
    case "shutdown":
    case "reboot":
    case "destroy":
      out(libxlLine("error", "libxl__domain_type", null, `unable to get domain type: ${EAGAIN}`));
      out(`${command} failed (rc=-3)\n`);
      return 1;
    default:
      out(libxlLine("error", "libxl_list_domain", null, `getting domain info list: ${EAGAIN}`));
      return 1;
  }
}

export async function applyFaults(ctx: SimContext, command: string, tool: "xl" | "xm"): Promise<void> {
  const knobs = ctx.read().knobs;
  const slow = knobFor(knobs.slowMs, command);
  if (slow) await ctx.clock.sleep(ctx.clock.scale(slow));
  if (knobs.hang.includes(command) || knobs.hang.includes("*")) await hangForever();
  // the usual call has no failure to consume: it neither takes the lock nor rewrites the state
  // (a rewrite wakes every xenstore-watch of the host); a count seen here is consumed under the lock
  if (!((knobs.fail[command] ?? 0) > 0 || (knobs.fail["*"] ?? 0) > 0)) return;
  const failing = ctx.update((record) => {
    const key = (record.knobs.fail[command] ?? 0) > 0 ? command : (record.knobs.fail["*"] ?? 0) > 0 ? "*" : undefined;
    if (key === undefined) return false;
    record.knobs.fail[key] = (record.knobs.fail[key] ?? 1) - 1;
    return true;
  });
  if (!failing) return;
  if (tool === "xm") {
    ctx.io.stderr(`Error: (11, '${EAGAIN}')\n`);
    throw new ToolExit(1);
  }
  throw new ToolExit(xlFailure(ctx, command));
}
