// tap's "after" script (package.json): fails the run (non-zero exit) when a test wrote to the machine's own directories.
import { readFileSync, rmSync } from "node:fs";
import { differences, fingerprint, GUARDED, type Fingerprint } from "../support/system-guard.ts";
import { snapshotFile } from "./state-file.ts";

const file = snapshotFile();
let before: Fingerprint;
try {
  before = JSON.parse(readFileSync(file, "utf8")) as Fingerprint;
} catch (error) {
  process.stderr.write(`system guard: no snapshot from before the run (${file}): ${(error as Error).message}\n`);
  process.exit(1);
}
rmSync(file, { force: true });
const changed = differences(before, fingerprint());
if (changed.length > 0) {
  process.stderr.write(
    `system guard: the test run changed the machine outside its temporary directories (${GUARDED.map((g) => g.path).join(", ")}):\n` +
      changed.map((line) => `  ${line}\n`).join(""),
  );
  process.exit(1);
}
