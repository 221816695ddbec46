import { cibCommands } from "./cib-commands.ts";
import { demoCommand } from "./demo-command.ts";
import { installCommand } from "./install-command.ts";
import type { CliParts, Register } from "./program.ts";
import { simCommands } from "./sim-commands.ts";

/**
 * The command groups of `xen-ha`, in help order, given what they work on
 * (CliParts) by the program that composes the command (bin/xen-ha-commands.ts).
 */
export const commandGroups = (parts: CliParts): readonly Register[] => [
  installCommand(parts),
  demoCommand(parts),
  simCommands,
  cibCommands(parts),
];
