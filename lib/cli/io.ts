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
  /** An input file is missing, unreadable or malformed, or an output file cannot be written. */
  BadInput: 3,
  /** An external tool or the cluster could not be reached. */
  Unavailable: 4,
} as const;

/** What the system said about a file, in words (Node's fs errors carry only the errno name). */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a directory",
  ENOTDIR: "a part of the path is not a directory",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "the name is too long",
  EMFILE: "too many open files",
  EBUSY: "the file is busy",
  EINVAL: "invalid argument",
  EIO: "input/output error",
};

export const errnoWords = (error: unknown): string => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === undefined ? (error instanceof Error ? error.message : String(error)) : (ERRNO_WORDS[code] ?? code);
};

/** A failed read or write of a file the user named: bad input, in one line. */
export const fileError = (error: unknown, verb: "read" | "write", file: string): CliError =>
  new CliError(CliExit.BadInput, `cannot ${verb} ${file}: ${errnoWords(error)}`);
