import type { StartProcess } from "./command.ts";

/**
 * Starts a tool with execa (the project's one import site of execa), for
 * everything but the agents the cluster runs: the xen-ha command, the lab,
 * the simulator, benchmarks and tests. Loaded on first use, so that a command
 * that never starts a process never pays for it. execa only starts: its own
 * timeout, buffering, cleanup and environment merge are off, because
 * runWith (./command.ts) owns the deadline, the output and the environment.
 */
export const startProcess: StartProcess = async (file, args, options) => {
  const { execa } = await import("execa");
  const subprocess = execa(file, [...args], {
    ...options,
    extendEnv: false, // options.env is already the whole environment
    cleanup: false, // runWith ends the tool's whole group, not only the direct child
    buffer: false, // runWith reads the output, so that a deadline can abandon it
    reject: false,
    encoding: "buffer",
  });
  // with reject: false, execa's promise carries a start failure (ENOENT, EACCES)
  const outcome = subprocess.then(
    (result) => result,
    () => undefined,
  );
  if (subprocess.pid !== undefined) return { child: subprocess.nodeChildProcess };
  const code = (await outcome)?.code;
  // Node's own refusals (ERR_INVALID_ARG_VALUE: a NUL byte in the environment) are EINVAL, as runWith names them
  return { startError: typeof code === "string" && !code.startsWith("ERR_") ? code : "EINVAL" };
};
