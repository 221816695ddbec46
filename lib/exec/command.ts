/** Everything we keep from running an external tool. A non-zero exit is data, not an exception. */
export interface CommandResult {
  /** argv joined for messages only; never run through a shell. */
  readonly command: string;
  /** undefined when the tool did not run to completion: see spawnError, signal, timedOut. */
  readonly exitCode: number | undefined;
  /** "ENOENT", "EACCES", ... when the tool could not be started at all. */
  readonly spawnError: string | undefined;
  readonly signal: string | undefined;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export interface CommandOptions {
  /** Hard limit; the tool is killed (TERM, then KILL after 1 s) when it is reached. */
  readonly timeoutMs: number;
  readonly input?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

export type CommandRunner = (file: string, args: readonly string[], options: CommandOptions) => Promise<CommandResult>;

/** The one place that starts processes. argv arrays only: no shell ever parses our arguments. */
export const runCommand: CommandRunner = async (file, args, options) => {
  // Loaded on first use: execa's module graph is ~80 ms of an agent's ~110 ms
  // start, and meta-data, usage and bad-parameter exits never run a command.
  const { execa } = await import("execa");
  const started = Date.now();
  const result = await execa(file, [...args], {
    reject: false,
    shell: false,
    timeout: options.timeoutMs,
    forceKillAfterDelay: 1_000,
    ...(options.input !== undefined ? { input: options.input } : { stdin: "ignore" }),
    env: { ...options.env, LC_ALL: "C" },
    extendEnv: true,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stripFinalNewline: false,
    maxBuffer: 64 * 1024 * 1024,
  });
  const code = (result as { code?: unknown }).code;
  const spawnError =
    result.exitCode === undefined && !result.timedOut && result.signal === undefined && typeof code === "string"
      ? code
      : undefined;
  return {
    command: [file, ...args].join(" "),
    exitCode: result.exitCode,
    spawnError,
    signal: result.signal ?? undefined,
    timedOut: result.timedOut,
    stdout: typeof result.stdout === "string" ? result.stdout : "",
    stderr: typeof result.stderr === "string" ? result.stderr : "",
    durationMs: Date.now() - started,
  };
};

/** A short description of why a command did not succeed, for exit reasons and logs. */
export function describeFailure(result: CommandResult): string {
  if (result.spawnError) return `${result.command}: cannot run (${result.spawnError})`;
  if (result.timedOut) return `${result.command}: no answer within ${result.durationMs} ms, killed`;
  if (result.signal) return `${result.command}: killed by ${result.signal}`;
  const lastLine = result.stderr.trim().split("\n").filter(Boolean).at(-1) ?? "";
  return `${result.command}: exit ${result.exitCode}${lastLine ? `: ${lastLine}` : ""}`;
}
