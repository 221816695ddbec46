import type { StartProcess } from "../../../lib/exec/command.ts";
import { startProcess as withExeca } from "../../../lib/exec/start-execa.ts";
import { libuvHandles, startProcess as forAgents, startWithChildProcess } from "../../../lib/exec/start-node.ts";

// on the project's Node the agents start tools on libuv's handles; were that path unusable here, it would go untested
if (!libuvHandles()) throw new Error(`Node ${process.version}: the agents' libuv handles are not usable, so their backend would go untested`);

export interface Backend {
  readonly name: string;
  /** Distinguishes the backend's files in a test's directory. */
  readonly key: string;
  /** The module (lib/exec/<module>.ts) and its export that start tools this way, for programs a test writes. */
  readonly module: string;
  readonly exportName: string;
  readonly start: StartProcess;
}

/** The ways tools are started (lib/exec/command.ts): every promise of runWith holds for each. */
export const BACKENDS: readonly Backend[] = [
  { name: "execa", key: "execa", module: "start-execa", exportName: "startProcess", start: withExeca },
  { name: "libuv handles (agents)", key: "handles", module: "start-node", exportName: "startProcess", start: forAgents },
  { name: "child_process (agents on another Node)", key: "child-process", module: "start-node", exportName: "startWithChildProcess", start: startWithChildProcess },
];
