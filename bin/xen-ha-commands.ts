import { OCF_PROVIDER } from "../agents/provider.ts";
import { commandGroups } from "../lib/cli/commands.ts";

/**
 * The `xen-ha` command composed: lib/cli's command groups given the agents and
 * templates this package ships, each loaded when a command first asks for it.
 * bin/xen-ha.ts runs it; tests run it in-process.
 */
export const xenHaCommands = commandGroups({
  provider: OCF_PROVIDER,
  registry: async () => (await import("../agents/index.ts")).registry,
  templates: async () => (await import("../cib-templates/index.ts")).templates,
});
