import { ToolExit, type SimContext } from "../context.ts";
import { getopt, type OptionSpec, type ParsedOptions } from "./getopt.ts";
import { invalidDomainIdentifier } from "./messages.ts";
import type { DomainRecord, HostRecord } from "../host/model.ts";
import { findByDomid, findByName } from "../host/store.ts";

/** One xl subcommand: its xl_cmdtable.c entry and its implementation. */
export interface XlCommand {
  readonly name: string;
  readonly description: string;
  readonly usage: string;
  readonly options?: string;
  readonly modifies?: boolean;
  readonly canDryrun?: boolean;
  readonly spec: OptionSpec;
  /** def_getopt's reqargs: fewer positional arguments is a usage error (exit 2). */
  readonly minArgs: number;
  /** Which timing entry the command's own latency is. */
  readonly latency?: "queryMs" | "listLongMs" | "controlMs";
  run(ctx: SimContext, options: ParsedOptions): Promise<number>;
}

/** xl's help(command) text, on stdout. */
export function helpText(command: XlCommand): string {
  const modifiers = `${command.modifies ? "f" : ""}${command.canDryrun ? "N" : ""}`;
  const options = command.options ? `Options:\n\n${command.options}\n` : "";
  return `Usage: xl [-v${modifiers}] ${command.name} ${command.usage}\n\n${command.description}.\n\n${options}`;
}

/** def_getopt: unknown option exit 2, -h help exit 0, too few arguments exit 2. */
export function parseCommandLine(ctx: SimContext, command: XlCommand, args: readonly string[]): ParsedOptions {
  const parsed = getopt(args, command.spec);
  if ("unknown" in parsed || "missingValue" in parsed) {
    const letter = "unknown" in parsed ? parsed.unknown : parsed.missingValue;
    ctx.io.stderr(`option \`${letter}' not supported.\n`);
    throw new ToolExit(2);
  }
  if (parsed.flags.includes("h")) {
    ctx.io.stdout(helpText(command));
    throw new ToolExit(0);
  }
  if (parsed.positional.length < command.minArgs) {
    const plural = command.minArgs > 1 ? "s" : "";
    ctx.io.stderr(`'xl ${command.name}' requires at least ${command.minArgs} argument${plural}.\n\n`);
    ctx.io.stdout(helpText(command));
    throw new ToolExit(2);
  }
  return parsed;
}

const ALL_DIGITS = /^[0-9]+$/;

/**
 * find_domain: an all-digits argument is a domid, taken without checking it
 * exists; anything else must match a live name exactly, or xl exits 1.
 */
export function findDomain(ctx: SimContext, record: HostRecord, argument: string): number {
  if (ALL_DIGITS.test(argument)) return Number.parseInt(argument, 10);
  const found = findByName(record, argument);
  if (found) return found.domid;
  if (argument === "Domain-0") return 0;
  ctx.io.stderr(invalidDomainIdentifier(argument));
  throw new ToolExit(1);
}

export function domainById(record: HostRecord, domid: number): DomainRecord | undefined {
  return findByDomid(record, domid);
}
