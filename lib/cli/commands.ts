/**
 * The command groups of `xen-ha`, in help order. Each import registers its
 * group through addCommandGroup.
 */
export { runCli } from "./program.ts";
