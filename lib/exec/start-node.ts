import type { ChildProcess } from "node:child_process";
import type { StartProcess } from "./command.ts";

/**
 * Starts a tool with node:child_process, for the agents the cluster runs
 * (lib/install/bundle.ts puts this module in place of ./start-execa.ts in
 * their bundles; ./command.ts's first comment says why). node:child_process
 * (and the net and stream modules it pulls in) is loaded on first use:
 * meta-data, usage and a refused parameter never start a process. Through
 * getBuiltinModule, not import(): in a CommonJS bundle, import() of a
 * built-in starts Node's ES module loader, which costs more than the module.
 */
export const startProcess: StartProcess = async (file, args, options) => {
  const { spawn } = process.getBuiltinModule("node:child_process");
  // throws for arguments refused before any fork (a NUL byte): runWith answers EINVAL
  const child: ChildProcess = spawn(file, args, options);
  if (child.pid !== undefined) return { child };
  // ENOENT, EACCES, ...: Node reports them on the next tick, after spawn returned
  return new Promise((resolve) =>
    child.once("error", (error: NodeJS.ErrnoException) => resolve({ startError: error.code ?? "EINVAL" })),
  );
};
