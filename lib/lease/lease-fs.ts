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

export const realLeaseFs: LeaseFs = {
  readdir: (dir) => fsp().readdir(dir),
  readFile: (path) => fsp().readFile(path, "utf8"),
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
