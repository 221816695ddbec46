/** The command word by which XenHost's own launcher runs the domain-death watcher (bin/XenHost.ts, control.ts). */
export const WATCH_COMMAND = "watch-domains";

export interface WatcherArgs {
  readonly node: string;
  readonly stateDir: string;
}

/** `watch-domains --node NODE --state-dir DIR`: both required, nothing else. */
export function parseWatcherArgs(args: readonly string[]): WatcherArgs | string {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i] as string;
    const value = args[i + 1];
    if (!["--node", "--state-dir"].includes(key) || value === undefined || value === "") return `unexpected argument ${JSON.stringify(key)}`;
    values.set(key, value);
  }
  const node = values.get("--node");
  const stateDir = values.get("--state-dir");
  if (node === undefined || stateDir === undefined) return "usage: watch-domains --node NODE --state-dir DIR";
  return { node, stateDir };
}
