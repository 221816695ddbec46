import { tmpdir } from "node:os";
import { join } from "node:path";

export const SNAPSHOT_NAME = /^xen-ha-system-guard-(\d+)\.json$/;

/** Where the snapshot of one tap run waits for its comparison: both scripts are children of the same tap process. */
export const snapshotFile = (): string => join(tmpdir(), `xen-ha-system-guard-${process.ppid}.json`);
