import { readFileSync } from "node:fs";

const root = new URL("../fixtures/", import.meta.url);

/** The bytes of a recorded fixture under test/fixtures/, as text. */
export const fixture = (path: string): string => readFileSync(new URL(path, root), "utf8");
