import { extname, join } from "node:path";
import { runCommand, describeFailure, type CommandResult } from "../exec/command.ts";

/** A lab setup step on the machine itself (ip, mount, unshare, ...): argv only, bounded, fails loudly. */
export async function must(file: string, args: readonly string[], timeoutMs = 15_000): Promise<CommandResult> {
  const result = await runCommand(file, args, { timeoutMs });
  if (result.exitCode !== 0) throw new Error(`lab step failed: ${describeFailure(result)}\n${result.stderr}`);
  return result;
}

/** The same, for teardown: a step that fails (already gone) is reported, not thrown. */
export async function attempt(file: string, args: readonly string[], timeoutMs = 15_000): Promise<string | undefined> {
  const result = await runCommand(file, args, { timeoutMs });
  return result.exitCode === 0 ? undefined : describeFailure(result);
}

/** The PATH of a node's commands and of the lab's own steps. */
export const SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * A program of the lab next to this module, run by path (the fence agent,
 * the prober): .ts in the source tree, .js in dist/.
 */
export const labProgram = (name: string): string => join(import.meta.dirname, `${name}${extname(import.meta.filename)}`);

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every `everyMs` until it gives a value or `timeoutMs` passes (then throws, naming `what`). */
export async function until<T>(what: string | (() => string), probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    // a function describes the state at the timeout, for a failure that cannot be replayed
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`);
    await sleep(everyMs);
  }
}
