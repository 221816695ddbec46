import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { readPackageJson } from "./package-root.ts";

/**
 * The production dependency closure of the package at `root`: the directory of
 * every package reachable through `dependencies` (and `optionalDependencies`
 * that are present), relative to `root`, resolved as Node resolves them (the
 * nearest node_modules upwards). Dev dependencies never enter.
 */
export function productionClosure(root: string): string[] {
  const found = new Set<string>();
  const visit = (fromDir: string): void => {
    const pkg = readPackageJson(fromDir);
    if (!pkg) throw new Error(`${join(fromDir, "package.json")} is missing or not JSON`);
    const wanted = [
      ...Object.keys(pkg.dependencies).map((name) => ({ name, optional: false })),
      ...Object.keys(pkg.optionalDependencies).map((name) => ({ name, optional: true })),
    ];
    for (const { name, optional } of wanted) {
      const dir = resolvePackage(root, fromDir, name);
      if (dir === undefined) {
        if (optional) continue;
        throw new Error(`dependency ${name} of ${pkg.name || fromDir} is not installed (run npm ci)`);
      }
      const rel = relative(root, dir);
      if (found.has(rel)) continue;
      found.add(rel);
      visit(dir);
    }
  };
  visit(root);
  return [...found].sort();
}

function resolvePackage(root: string, fromDir: string, name: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dir === root || dirname(dir) === dir) return undefined;
    dir = dirname(dir);
  }
}
