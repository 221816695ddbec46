import { simContext, ToolExit, type ToolIo } from "../context.ts";
import { applyFaults } from "../host/faults.ts";
import { XM_NO_XEND } from "../xl/messages.ts";
import { withToolRun } from "../tool-run.ts";
import type { XmCommand } from "./command.ts";

/** The fake `xm` (Xen 3.x, xen34: tools/python/xen/xm/main.py) talking to a simulated xend. */

const xend = (name: string) => async (): Promise<XmCommand> => (await import("./commands.ts")).XEND_COMMANDS.find((c) => c.name === name)!;

/**
 * Each command's module loads only when it runs (every xm call is a fresh
 * process: `xm list` must not load the config parser or the migration code).
 */
export const XM_COMMANDS: readonly (readonly [name: string, load: () => Promise<XmCommand>])[] = [
  ...["list", "create", "shutdown", "reboot", "destroy", "pause", "unpause", "info", "domid", "domname", "uptime", "mem-set", "dump-core"].map(
    (name) => [name, xend(name)] as const,
  ),
  ["migrate", async () => (await import("../migration/xm-migrate.ts")).xmMigrate],
  ["rename", async () => (await import("../migration/xm-migrate.ts")).xmRename],
];

/** An exact name, else a unique prefix (xm's own abbreviations). */
async function lookup(name: string): Promise<XmCommand | undefined | "ambiguous"> {
  const exact = XM_COMMANDS.find(([known]) => known === name);
  if (exact) return exact[1]();
  const prefixed = XM_COMMANDS.filter(([known]) => known.startsWith(name));
  return prefixed.length === 1 ? prefixed[0]![1]() : prefixed.length > 1 ? "ambiguous" : undefined;
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
    const command = await lookup(name);
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
