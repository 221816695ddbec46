import type { TemplateDefinition } from "../cib/author/define-template.ts";
import type { AgentRegistry } from "../cib/model/agents.ts";
import type { Registry } from "../install/plan.ts";
import { cibCommands } from "./cib-commands.ts";
import { demoCommand } from "./demo-command.ts";
import { installCommand } from "./install-command.ts";
import type { Register } from "./program.ts";
import { simCommands } from "./sim-commands.ts";

/**
 * The command groups of `xen-ha`, in help order. What they work on (the
 * agents xen-ha ships, the CIB templates) is passed in by the program that
 * composes the command (bin/xen-ha.ts): nothing in lib/ imports the agent
 * registry or the templates.
 */
export interface CliParts {
  readonly registry: AgentRegistry & Registry;
  readonly templates: readonly TemplateDefinition[];
}

export const commandGroups = (parts: CliParts): readonly Register[] => [
  installCommand(parts.registry),
  demoCommand(parts.registry),
  simCommands,
  cibCommands(parts),
];
