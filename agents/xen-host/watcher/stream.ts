import { spawn } from "node:child_process";

/**
 * One long-lived child whose stdout is read line by line: `xenstore-watch`.
 * argv only, no shell. Reads are bounded: a line longer than MAX_LINE is
 * cut (every line only means "look again"), so a child gone mad cannot
 * fill our memory. The child runs in our process group, so that XenHost's
 * stop, which ends the watcher's group, ends it too.
 */
export const MAX_LINE = 4_096;

export interface LineChild {
  stop(): void;
}

export interface LineHandlers {
  readonly line: (text: string) => void;
  /** The child ended or could not start (`startError`: ENOENT when it is not installed). */
  readonly exit: (how: { readonly code: number | null; readonly signal: string | null; readonly startError?: string }) => void;
}

export type StartLines = (file: string, args: readonly string[], env: Readonly<Record<string, string | undefined>>, handlers: LineHandlers) => LineChild;

export const startLines: StartLines = (file, args, env, handlers) => {
  const child = spawn(file, [...args], { stdio: ["ignore", "pipe", "ignore"], env: { ...env } });
  let buffered = "";
  let ended = false;
  const end = (how: Parameters<LineHandlers["exit"]>[0]): void => {
    if (ended) return;
    ended = true;
    handlers.exit(how);
  };
  child.once("error", (error: NodeJS.ErrnoException) => end({ code: null, signal: null, startError: error.code ?? "EINVAL" }));
  child.once("exit", (code, signal) => end({ code, signal }));
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      handlers.line(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
    }
    if (buffered.length > MAX_LINE) {
      handlers.line(buffered.slice(0, MAX_LINE));
      buffered = "";
    }
  });
  return {
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
};
