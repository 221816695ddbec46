import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand, type CommandResult } from "../../../lib/exec/command.ts";
import { cleanupSim, createSimHost, listDomains, type SimHost, type SimHostOptions } from "../../../lib/sim/index.ts";
import { xlMain } from "../../../lib/sim/xl/main.ts";
import { xmMain } from "../../../lib/sim/xm/main.ts";

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
  // no NODE_OPTIONS: tap's loader hooks would slow every simulated xl down
  return runCommand(join(host.binDir, tool), args, { timeoutMs, env: { ...host.env, NODE_OPTIONS: undefined } });
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

export interface ToolRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs xl (or xm) in this process, against a host: the fast path for scenario
 * rows that need no separate process (never for hangs or `-F`).
 */
export async function inProcess(host: SimHost, tool: "xl" | "xm", argv: readonly string[], cwd = process.cwd()): Promise<ToolRun> {
  let stdout = "";
  let stderr = "";
  const io = {
    argv,
    env: { ...process.env, ...host.env },
    cwd,
    stdout: (text: string) => void (stdout += text),
    stderr: (text: string) => void (stderr += text),
  };
  const code = tool === "xl" ? await xlMain(host.root, host.host, io) : await xmMain(host.root, host.host, io);
  return { code, stdout, stderr };
}

export const xl = (host: SimHost, ...argv: string[]): Promise<ToolRun> => inProcess(host, "xl", argv);
export const xm = (host: SimHost, ...argv: string[]): Promise<ToolRun> => inProcess(host, "xm", argv);

/** Waits until the named domain's state letters equal `state` (listDomains ground truth). */
export function stateOf(host: SimHost, name: string): string | undefined {
  return listDomains(host.root, host.host).find((d) => d.name === name)?.state;
}

export function untilState(host: SimHost, name: string, state: string | undefined, ms = 5_000): Promise<boolean> {
  return eventually(() => stateOf(host, name) === state, ms);
}
