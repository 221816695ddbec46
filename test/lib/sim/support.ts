import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand, type CommandResult } from "../../../lib/exec/command.ts";
import { cleanupSim, createSimHost, type SimHost, type SimHostOptions } from "../../../lib/sim/index.ts";

/** The smallest time factor the suite uses: a 60 s ack wait takes 0.6 s. */
export const FAST = 0.01;

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

/** A fresh simulation root for one test, torn down (processes killed by pid, files removed) after it. */
export function simRoot(t: Teardown): string {
  const root = mkdtempSync(join(tmpdir(), "xen-ha-sim-test-"));
  t.teardown(() => {
    cleanupSim(root);
    rmSync(root, { recursive: true, force: true });
  });
  return root;
}

export function simHost(t: Teardown, options: Partial<SimHostOptions> & { root?: string } = {}): SimHost {
  return createSimHost({ host: "node1", timeFactor: FAST, ...options, root: options.root ?? simRoot(t) });
}

/** Runs one of the host's executables (xl, xm, ssh) through its launcher, as an agent would. */
export function run(host: SimHost, tool: string, args: readonly string[], timeoutMs = 20_000): Promise<CommandResult> {
  return runCommand(join(host.binDir, tool), args, { timeoutMs, env: host.env });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 10 ms until it returns true or `ms` pass. */
export async function eventually(check: () => boolean, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(10);
  }
  return check();
}
