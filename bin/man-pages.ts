// Build step (npm run build): writes the man pages, generated from the agents' and the CLI's own
// declarations, into dist/man/man7 and dist/man/man8, where the installer and the package take them.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { manPagesOfThisBuild } from "./man-source.ts";

// this file runs as dist/bin/man-pages.js
const manDir = join(dirname(fileURLToPath(import.meta.url)), "..", "man");
for (const page of manPagesOfThisBuild()) {
  const dir = join(manDir, `man${page.section}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, page.file), page.text);
}
