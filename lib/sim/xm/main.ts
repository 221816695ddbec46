import { simContext, ToolExit, type ToolIo } from "../context.ts";
import { applyFaults } from "../host/faults.ts";
import { XM_NO_XEND } from "../xl/messages.ts";
import { withToolRun } from "../tool-run.ts";
import type { XmCommand } from "./command.ts";
import { xmCommands } from "./commands.ts";

/** The fake `xm` (Xen 3.x, xen34: tools/python/xen/xm/main.py) talking to a simulated xend. */

function lookup(name: string): XmCommand | undefined | "ambiguous" {
  const exact = xmCommands().find((c) => c.name === name);
  if (exact) return exact;
  const prefixed = xmCommands().filter((c) => c.name.startsWith(name));
  return prefixed.length === 1 ? prefixed[0] : prefixed.length > 1 ? "ambiguous" : undefined;
}

const SHORT_HELP =
  "Usage: xm <subcommand> [args]\n\nControl, list, and manipulate Xen guest instances.\n\nCommon 'xm' commands:\n\n" +
  ["console", "create", "destroy", "domid", "domname", "help", "info", "list", "mem-set", "migrate", "pause", "reboot", "shutdown", "unpause", "uptime"]
    .map((c) => ` ${c}\n`)
    .join("") +
  "\n<Domain> can either be the Domain Name or Id.\nFor more help on 'xm' see the xm(1) man page.\n";

export async function xmMain(root: string, host: string, io: ToolIo): Promise<number> {
  return withToolRun(root, host, "xm", io, async () => {
    const ctx = simContext(root, host, io);
    const [name, ...args] = io.argv;
    if (name === undefined || name === "help" || name === "--help" || name === "-h") {
      io.stdout(SHORT_HELP);
      return name === undefined ? 1 : 0;
    }
    const command = lookup(name);
    if (command === undefined || command === "ambiguous") {
      io.stderr(`Error: Subcommand ${name} not found!\n`);
      io.stdout(SHORT_HELP);
      return 1;
    }
    if (!ctx.read().knobs.hypervisor || !ctx.read().knobs.privcmd) {
      io.stderr(XM_NO_XEND);
      return 1;
    }
    try {
      await applyFaults(ctx, command.name, "xm");
      await ctx.clock.sleep(ctx.clock.ms(command.name === "list" && args.includes("-l") ? "listLongMs" : "queryMs"));
      return await command.run(ctx, args);
    } catch (error) {
      if (error instanceof ToolExit) return error.code;
      throw error;
    }
  });
}
