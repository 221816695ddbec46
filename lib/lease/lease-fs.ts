import type { UserFileRead } from "../exec/read-user-file.ts";

/**
 * node:fs/promises on first use: loading it (with readline and streams behind
 * it) is a noticeable share of an agent's start, and only actions that take
 * or drop a lease get here.
 */
const fsp = () => process.getBuiltinModule("node:fs/promises");

/**
 * The file operations the lease store needs, and nothing more. Tests wrap
 * the real ones to give one host a full, read-only or unreachable data pool
 * while the others keep theirs (root ignores file modes, so chmod cannot).
 */
export interface LeaseFs {
  readdir(dir: string): Promise<readonly string[]>;
  /**
   * A record's text: only a regular file of at most RECORD_MAX_BYTES is read
   * (anything else fails with a message saying what it is), and it is opened
   * with O_NONBLOCK, so a FIFO put in a record's place cannot block the open.
   */
  readFile(path: string): Promise<string>;
  /** Creates `path` (it must not exist), writes `text` and fsyncs it before closing. */
  writeNewSynced(path: string, text: string): Promise<void>;
  /** Fails with EEXIST when `to` exists: the one atomic "first writer wins" a shared filesystem offers. */
  link(from: string, to: string): Promise<void>;
  /** Atomically replaces `to`. */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdirp(dir: string): Promise<void>;
  /** fsync of a directory, so a rename or link survives a crash of the host. */
  syncDir(dir: string): Promise<void>;
}

/**
 * Records are a few hundred bytes; a file of more than this in the pool is
 * not one of ours, and reading it whole would only cost memory.
 */
export const RECORD_MAX_BYTES = 64 * 1024;

/** A file in the pool whose kind or size rules it out as a record: refused without reading it. */
class NotARecord extends Error {
  readonly code = "ENOTRECORD";
}

async function readRecordFile(path: string): Promise<string> {
  const { constants } = process.getBuiltinModule("node:fs");
  // O_NONBLOCK: open(2) of a FIFO without a writer returns at once instead of waiting for one
  const handle = await fsp().open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new NotARecord(`${path} is not a regular file`);
    if (stat.size > RECORD_MAX_BYTES) throw new NotARecord(`${path} is ${stat.size} bytes, more than a record's ${RECORD_MAX_BYTES}`);
    const buffer = Buffer.alloc(RECORD_MAX_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > RECORD_MAX_BYTES) throw new NotARecord(`${path} grew past ${RECORD_MAX_BYTES} bytes while it was read`);
    return buffer.toString("utf8", 0, bytesRead);
  } finally {
    await handle.close();
  }
}

export const realLeaseFs: LeaseFs = {
  readdir: (dir) => fsp().readdir(dir),
  readFile: readRecordFile,
  async writeNewSynced(path, text) {
    const handle = await fsp().open(path, "wx", 0o644);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  link: (from, to) => fsp().link(from, to),
  rename: (from, to) => fsp().rename(from, to),
  unlink: (path) => fsp().unlink(path),
  mkdirp: async (dir) => {
    await fsp().mkdir(dir, { recursive: true, mode: 0o755 });
  },
  async syncDir(dir) {
    const handle = await fsp().open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

/** The errno code of a failed file operation ("EEXIST", "EROFS", ...), or undefined. */
export const errorCode = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : undefined;

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** lib/exec/read-user-file.ts's bounded reader, with its runner and environment bound. */
export type LookFromOutside = (path: string, limits: { readonly maxBytes: number; readonly timeoutMs: number }) => Promise<UserFileRead>;

/** A pool whose directory a child cannot even stat within this long is taken as not answering. */
export const POOL_LOOK_CAP_MS = 2_000;

/**
 * The pool as an action may use it: every operation first waits for one
 * look at the pool from outside this process (a child's stat of the lease
 * directory, within `timeoutMs()`, inside the caller's deadline), and
 * fails at once, touching nothing, when that look found no answer. The
 * operations themselves run in this process (link, rename and fsync have no
 * counterpart in a child that could be killed), on libuv's thread pool: on a
 * hard-mounted export whose server is gone, one of them would hold the action
 * until the LRM kills it, and a thread stuck in the kernel keeps even
 * process.exit() from returning (lib/exec/read-user-file.ts). A server that
 * is already gone is the usual case, and this look turns it into a storage
 * failure the caller answers in time (a stop still succeeds; a monitor judges
 * the lease's expiry); one that dies between the look and the operation is not
 * caught.
 */
export function answeringPool(fs: LeaseFs, leaseDir: string, lookFromOutside: LookFromOutside, timeoutMs: () => number): LeaseFs {
  let look: Promise<string | undefined> | undefined;
  const problem = async (): Promise<string | undefined> => {
    // a regular file's limit of 0 bytes: only the stat runs (a directory is "refused" as no regular file, and answered)
    const read = await lookFromOutside(leaseDir, { maxBytes: 0, timeoutMs: timeoutMs() });
    return !read.ok && read.kind === "unreadable" ? `lease directory ${leaseDir} ${read.problem}` : undefined;
  };
  const guarded =
    <A extends unknown[], R>(op: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const found = await (look ??= problem());
      if (found !== undefined) throw Object.assign(new Error(found), { code: "ENOANSWER" });
      return op(...args);
    };
  return {
    readdir: guarded(fs.readdir),
    readFile: guarded(fs.readFile),
    writeNewSynced: guarded(fs.writeNewSynced),
    link: guarded(fs.link),
    rename: guarded(fs.rename),
    unlink: guarded(fs.unlink),
    mkdirp: guarded(fs.mkdirp),
    syncDir: guarded(fs.syncDir),
  };
}
