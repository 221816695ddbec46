import { simContext, ToolExit, type SimContext, type ToolIo } from "../context.ts";
import { applyFaults } from "../host/faults.ts";
import { NO_HYPERVISOR } from "./messages.ts";
import { helpText, parseCommandLine, type XlCommand } from "./command.ts";
import { xlDestroy, xlPause, xlTrigger, xlUnpause } from "./control.ts";
import { xlCreate } from "./create.ts";
import { xlDumpCore } from "./dump-core.ts";
import { xlList } from "./list.ts";
import { xlMemMax, xlMemSet } from "./mem.ts";
import { xlMigrate } from "../migration/xl-migrate.ts";
import { xlMigrateReceive } from "../migration/xl-migrate-receive.ts";
import { xlRename, xlRestore, xlSave } from "./save.ts";
import { xlReboot, xlShutdown } from "./power.ts";
import { xlDomid, xlDomname, xlInfo, xlUptime, xlVcpuList } from "./query.ts";
import { withToolRun } from "../tool-run.ts";

/** The fake `xl` (xl.c main): global options, the context check, the command table. */
export const XL_COMMANDS: readonly XlCommand[] = [
  xlCreate,
  xlList,
  xlDestroy,
  xlShutdown,
  xlReboot,
  xlPause,
  xlUnpause,
  xlMemMax,
  xlMemSet,
  xlVcpuList,
  xlInfo,
  xlDomid,
  xlDomname,
  xlTrigger,
  xlUptime,
  xlMigrate,
  xlMigrateReceive,
  xlSave,
  xlRestore,
  xlRename,
  xlDumpCore,
];

/** Commands real xl has that the simulator leaves to other modules (migration) may register here. */
const extraCommands: XlCommand[] = [];
export function addXlCommand(command: XlCommand): void {
  extraCommands.push(command);
}

function lookup(name: string): XlCommand | undefined {
  return [...XL_COMMANDS, ...extraCommands].find((c) => c.name === name);
}

function fullHelp(): string {
  const lines = [...XL_COMMANDS, ...extraCommands].map((c) => {
    const name = ` ${c.name.padEnd(19)} `;
    return `${name}${c.name.length > 19 ? `\n ${"".padEnd(19)} ` : ""}${c.description}\n`;
  });
  return `Usage xl [-vfN] <subcommand> [args]\n\nxl full list of subcommands:\n\n${lines.join("")}`;
}

async function dispatch(ctx: SimContext, args: readonly string[], dryRun: boolean): Promise<number> {
  const name = args[0] as string;
  const command = lookup(name);
  if (name === "help") {
    const topic = args[1] === undefined ? undefined : lookup(args[1]);
    ctx.io.stdout(topic ? helpText(topic) : args[1] === undefined ? fullHelp() : `command "${args[1]}" not implemented\n`);
    return 0;
  }
  if (!command) {
    ctx.io.stderr("command not implemented\n");
    return 1;
  }
  if (dryRun && !command.canDryrun) {
    ctx.io.stderr("command does not implement -N (dryrun) option\n");
    return 1;
  }
  const options = parseCommandLine(ctx, command, args.slice(1));
  await applyFaults(ctx, name, "xl");
  if (command.latency) await ctx.clock.sleep(ctx.clock.ms(command.latency));
  return command.run(ctx, dryRun ? { ...options, flags: [...options.flags, "n"] } : options);
}

export async function xlMain(root: string, host: string, io: ToolIo): Promise<number> {
  return withToolRun(root, host, "xl", io, async () => {
    let at = 0;
    let dryRun = false;
    // getopt "+vftN": global options end at the first non-option
    for (; at < io.argv.length && /^-[vftNT]+$/.test(io.argv[at] as string); at++) {
      if ((io.argv[at] as string).includes("N")) dryRun = true;
    }
    const first = io.argv[at];
    if (first !== undefined && first.startsWith("-") && first !== "-" && first !== "--") {
      io.stderr("unknown global option\n");
      return 1;
    }
    if (first === "--") at++;
    const ctx = simContext(root, host, io);
    if (io.argv[at] === undefined) {
      ctx.io.stdout(fullHelp());
      return 1;
    }
    if (!ctx.read().knobs.hypervisor || !ctx.read().knobs.privcmd) {
      io.stderr(NO_HYPERVISOR);
      return 1;
    }
    try {
      return await dispatch(ctx, io.argv.slice(at), dryRun);
    } catch (error) {
      if (error instanceof ToolExit) return error.code;
      throw error;
    }
  });
}
