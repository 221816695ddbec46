// tap's "before" script (package.json): records the guarded directories before any test runs.
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fingerprint } from "../support/system-guard.ts";
import { SNAPSHOT_NAME, snapshotFile } from "./state-file.ts";

// snapshots of runs that never got to their comparison (killed tap processes) are litter
for (const entry of readdirSync(tmpdir())) {
  const pid = SNAPSHOT_NAME.exec(entry)?.[1];
  if (pid === undefined) continue;
  try {
    process.kill(Number(pid), 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") rmSync(join(tmpdir(), entry), { force: true });
  }
}
writeFileSync(snapshotFile(), JSON.stringify(fingerprint()));
