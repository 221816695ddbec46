import t from "tap";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { productionClosure } from "../../../lib/install/closure.ts";
import { REPO_ROOT } from "../../support/install-once.ts";

/** Writes node_modules-style package.json files: { "dir": { deps, optional } }. */
function fakeTree(packages: Record<string, { deps?: string[]; optional?: string[]; dev?: string[] }>): string {
  const root = mkdtempSync(join(tmpdir(), "xen-ha-closure-"));
  for (const [dir, spec] of Object.entries(packages)) {
    mkdirSync(join(root, dir), { recursive: true });
    const asMap = (names: string[] = []) => Object.fromEntries(names.map((n) => [n, "1.0.0"]));
    writeFileSync(
      join(root, dir, "package.json"),
      JSON.stringify({
        name: dir === "." ? "xen-ha" : dir.split("node_modules/").at(-1),
        dependencies: asMap(spec.deps),
        optionalDependencies: asMap(spec.optional),
        devDependencies: asMap(spec.dev),
      }),
    );
  }
  return root;
}

t.test("follows dependencies as Node resolves them, and nothing else", async (t) => {
  const root = fakeTree({
    ".": { deps: ["a", "@scope/b"], optional: ["absent-optional"], dev: ["devtool"] },
    "node_modules/a": { deps: ["c"] },
    "node_modules/a/node_modules/c": { deps: ["d"] }, // nested copy wins over a hoisted one
    "node_modules/c": {},
    "node_modules/d": {},
    "node_modules/@scope/b": { deps: ["d"] },
    "node_modules/devtool": { deps: ["e"] },
    "node_modules/e": {},
  });
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  t.same(productionClosure(root), [
    "node_modules/@scope/b",
    "node_modules/a",
    "node_modules/a/node_modules/c",
    "node_modules/d",
  ]);
});

t.test("a missing required dependency is an error naming it and its dependent", async (t) => {
  const root = fakeTree({ ".": { deps: ["a"] }, "node_modules/a": { deps: ["gone"] } });
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  t.throws(() => productionClosure(root), /dependency gone of a is not installed/);
});

t.test("the project's own closure: runtime dependencies only", async (t) => {
  const closure = productionClosure(REPO_ROOT).map((dir) => dir.replace(/^node_modules\//, ""));
  for (const wanted of ["execa", "commander", "fast-xml-parser"]) t.ok(closure.includes(wanted), wanted);
  for (const unwanted of ["tap", "typescript", "node", "@types/node"]) t.notOk(closure.includes(unwanted), unwanted);
});
