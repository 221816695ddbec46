/**
 * The command groups of `xen-ha`, in help order. Each import registers its
 * group through addCommandGroup.
 */
import "./install-command.ts";
import "./demo-command.ts";
import "./sim-commands.ts";
import "./cib-commands.ts";
export { runCli } from "./program.ts";
