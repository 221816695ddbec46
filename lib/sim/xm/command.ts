import { ToolExit, type SimContext } from "../context.ts";
import type { HostRecord } from "../host/model.ts";
import { findByDomid, findByName } from "../host/store.ts";

/** One xm subcommand (xen34: tools/python/xen/xm/main.py SUBCOMMAND_HELP and xm_* functions). */
export interface XmCommand {
  readonly name: string;
  readonly usage: string;
  readonly description: string;
  run(ctx: SimContext, args: readonly string[]): Promise<number>;
}

export function xmUsage(command: XmCommand): string {
  return `Usage: xm ${command.name} ${command.usage}\n\n${command.description}\n`;
}

/** A xend fault: `Error: MESSAGE` (+ the command's usage), exit 1. */
export function xmFail(ctx: SimContext, message: string, usageOf?: XmCommand): never {
  ctx.io.stderr(`Error: ${message}\n`);
  if (usageOf) ctx.io.stderr(xmUsage(usageOf));
  throw new ToolExit(1);
}

/** xend's domain lookup by name or id; unknown: `Error: Domain 'X' does not exist.`, exit 3. */
export function xmDomain(ctx: SimContext, record: HostRecord, argument: string): number {
  const byName = findByName(record, argument);
  if (byName) return byName.domid;
  if (argument === "Domain-0" || argument === "0") return 0;
  if (/^[0-9]+$/.test(argument)) {
    const byId = findByDomid(record, Number(argument));
    if (byId && byId.name !== null) return byId.domid;
  }
  ctx.io.stderr(`Error: Domain '${argument}' does not exist.\n`);
  throw new ToolExit(3);
}

/** A command needing arguments it did not get: usage and exit 1 (xm's err + usage). */
export function needArgs(ctx: SimContext, command: XmCommand, args: readonly string[], count: number): void {
  if (args.filter((a) => !a.startsWith("-")).length >= count) return;
  xmFail(ctx, `'xm ${command.name}' requires ${count} argument${count > 1 ? "s" : ""}.`, command);
}
