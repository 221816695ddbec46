import type { StartProcess } from "../../../lib/exec/command.ts";
import { startProcess as withExeca } from "../../../lib/exec/start-execa.ts";
import { startProcess as withNode } from "../../../lib/exec/start-node.ts";

/** The ways tools are started (lib/exec/command.ts): every promise of runWith holds for each. */
export const BACKENDS: readonly { readonly name: string; readonly module: string; readonly start: StartProcess }[] = [
  { name: "execa", module: "start-execa", start: withExeca },
  { name: "child_process (agents)", module: "start-node", start: withNode },
];
