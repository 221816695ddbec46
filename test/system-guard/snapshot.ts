// tap's "before" script (package.json): records the guarded directories before any test runs.
import { writeFileSync } from "node:fs";
import { fingerprint } from "../support/system-guard.ts";
import { snapshotFile } from "./state-file.ts";

writeFileSync(snapshotFile(), JSON.stringify(fingerprint()));
