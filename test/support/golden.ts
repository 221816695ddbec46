import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Test } from "tap";

/** The switch that rewrites golden files; review the diff before committing. */
export const UPDATE_GOLDEN = process.env["UPDATE_GOLDEN"] === "1";

const root = new URL("../golden/", import.meta.url);


/** Compares `actual` with test/golden/<path>; with UPDATE_GOLDEN=1 writes it first. */
export function matchGolden(t: Test, path: string, actual: string): void {
  const file = fileURLToPath(new URL(path, root));
  if (UPDATE_GOLDEN) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  t.ok(existsSync(file), `golden file ${path} exists (UPDATE_GOLDEN=1 creates it)`);
  t.equal(actual, existsSync(file) ? readFileSync(file, "utf8") : "", `matches golden ${path}`);
}
