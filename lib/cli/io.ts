/** What a CLI command touches of its process; bin/xen-ha.ts builds the real one, tests a capture. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** A command's failure with the exit code the CLI should return; thrown by handlers, caught once. */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly exitCode: number;
  constructor(exitCode: number, message: string) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Exit codes of the xen-ha command. */
export const CliExit = {
  Ok: 0,
  /** Checks found problems, or the operation failed. */
  Problems: 1,
  /** Bad usage: unknown command or option, missing or malformed value. */
  Usage: 2,
  /** An input file is missing, unreadable or malformed. */
  BadInput: 3,
  /** An external tool or the cluster could not be reached. */
  Unavailable: 4,
} as const;
