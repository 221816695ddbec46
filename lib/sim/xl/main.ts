import { simContext, ToolExit, type SimContext, type ToolIo } from "../context.ts";
import { applyFaults } from "../host/faults.ts";
import { NO_HYPERVISOR } from "./messages.ts";
import { helpText, parseCommandLine, type XlCommand } from "./command.ts";
import { withToolRun } from "../tool-run.ts";

/**
 * The fake `xl` (xl.c main): global options, the context check, the command
 * table. The table is xl_cmdtable.c's order (what `xl help` lists) with each
 * command's module behind import(): every xl call is a fresh process, and
 * `xl list` must not pay for loading create, migrate or the cfg parser.
 */
export const XL_COMMANDS: readonly (readonly [name: string, load: () => Promise<XlCommand>])[] = [
  ["create", async () => (await import("./create.ts")).xlCreate],
  ["list", async () => (await import("./list.ts")).xlList],
  ["destroy", async () => (await import("./control.ts")).xlDestroy],
  ["shutdown", async () => (await import("./power.ts")).xlShutdown],
  ["reboot", async () => (await import("./power.ts")).xlReboot],
  ["pause", async () => (await import("./control.ts")).xlPause],
  ["unpause", async () => (await import("./control.ts")).xlUnpause],
  ["mem-max", async () => (await import("./mem.ts")).xlMemMax],
  ["mem-set", async () => (await import("./mem.ts")).xlMemSet],
  ["vcpu-list", async () => (await import("./query.ts")).xlVcpuList],
  ["info", async () => (await import("./query.ts")).xlInfo],
  ["domid", async () => (await import("./query.ts")).xlDomid],
  ["domname", async () => (await import("./query.ts")).xlDomname],
  ["trigger", async () => (await import("./control.ts")).xlTrigger],
  ["uptime", async () => (await import("./query.ts")).xlUptime],
  ["migrate", async () => (await import("../migration/xl-migrate.ts")).xlMigrate],
  ["migrate-receive", async () => (await import("../migration/xl-migrate-receive.ts")).xlMigrateReceive],
  ["save", async () => (await import("./save.ts")).xlSave],
  ["restore", async () => (await import("./save.ts")).xlRestore],
  ["rename", async () => (await import("./save.ts")).xlRename],
  ["dump-core", async () => (await import("./dump-core.ts")).xlDumpCore],
];

/** Commands real xl has that the simulator leaves to other modules (migration) may register here. */
const extraCommands: XlCommand[] = [];
export function addXlCommand(command: XlCommand): void {
  extraCommands.push(command);
}

async function lookup(name: string): Promise<XlCommand | undefined> {
  const entry = XL_COMMANDS.find(([known]) => known === name);
  return entry ? entry[1]() : extraCommands.find((c) => c.name === name);
}

async function fullHelp(): Promise<string> {
  const commands = [...(await Promise.all(XL_COMMANDS.map(([, load]) => load()))), ...extraCommands];
  const lines = commands.map((c) => {
    const name = ` ${c.name.padEnd(19)} `;
    return `${name}${c.name.length > 19 ? `\n ${"".padEnd(19)} ` : ""}${c.description}\n`;
  });
  return `Usage xl [-vfN] <subcommand> [args]\n\nxl full list of subcommands:\n\n${lines.join("")}`;
}

async function dispatch(ctx: SimContext, args: readonly string[], dryRun: boolean): Promise<number> {
  const name = args[0] as string;
  const command = await lookup(name);
  if (name === "help") {
    const topic = args[1] === undefined ? undefined : await lookup(args[1]);
    ctx.io.stdout(topic ? helpText(topic) : args[1] === undefined ? await fullHelp() : `command "${args[1]}" not implemented\n`);
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
      ctx.io.stdout(await fullHelp());
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
