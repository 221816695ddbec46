import { registry } from "../agents/index.ts";
import { templates } from "../cib-templates/index.ts";
import { commandGroups } from "../lib/cli/commands.ts";

/**
 * The `xen-ha` command composed: lib/cli's command groups given the agents and
 * templates this package ships. bin/xen-ha.ts runs it; tests run it in-process.
 */
export const xenHaCommands = commandGroups({ registry, templates });
