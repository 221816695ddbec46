import { realLeaseFs, type LeaseFs } from "../../lib/lease/lease-fs.ts";

/**
 * The data pool as one host sees it, with faults: "read-only" and "full" fail
 * every write (EROFS, ENOSPC) but still read; "unreachable" fails everything
 * (EIO), as a lost NFS or iSCSI path does. Root ignores file modes, so
 * chmod cannot make a pool read-only for these tests; this wrapper can, and
 * for one simulated host while the others keep writing.
 */
export type PoolFault = "none" | "read-only" | "full" | "unreachable";

const fail = (code: string, what: string): never => {
  throw Object.assign(new Error(`${code}: simulated fault, ${what}`), { code });
};

export function faultyLeaseFs(fault: () => PoolFault, base: LeaseFs = realLeaseFs): LeaseFs {
  const write = <A extends unknown[], R>(op: (...args: A) => Promise<R>, what: string) =>
    async (...args: A): Promise<R> => {
      const now = fault();
      if (now === "read-only") fail("EROFS", what);
      if (now === "full") fail("ENOSPC", what);
      if (now === "unreachable") fail("EIO", what);
      return op(...args);
    };
  const read = <A extends unknown[], R>(op: (...args: A) => Promise<R>, what: string) =>
    async (...args: A): Promise<R> => {
      if (fault() === "unreachable") fail("EIO", what);
      return op(...args);
    };
  return {
    readdir: read(base.readdir, "readdir"),
    readFile: read(base.readFile, "read"),
    writeNewSynced: write(base.writeNewSynced, "write"),
    link: write(base.link, "link"),
    rename: write(base.rename, "rename"),
    unlink: write(base.unlink, "unlink"),
    mkdirp: write(base.mkdirp, "mkdir"),
    syncDir: read(base.syncDir, "fsync"),
  };
}
