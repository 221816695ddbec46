import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The fields of a package.json the installer reads. */
export interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly optionalDependencies: Readonly<Record<string, string>>;
}

const record = (value: unknown): Record<string, string> =>
  typeof value === "object" && value !== null ? (value as Record<string, string>) : {};

/** Reads a package.json into the few fields we use; undefined when absent or not JSON. */
export function readPackageJson(dir: string): PackageJson | undefined {
  const file = join(dir, "package.json");
  if (!existsSync(file)) return undefined;
  try {
    const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    return {
      name: typeof json["name"] === "string" ? json["name"] : "",
      version: typeof json["version"] === "string" ? json["version"] : "",
      dependencies: record(json["dependencies"]),
      optionalDependencies: record(json["optionalDependencies"]),
    };
  } catch {
    return undefined;
  }
}

/**
 * The xen-ha package directory that holds the running code: the source tree
 * (lib/install/ -> ..), the build (dist/lib/install/ -> ../..) or an installed
 * prefix (/usr/lib/xen-ha), found by walking up to our own package.json.
 */
export function findPackageRoot(moduleUrl: string): string | undefined {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (readPackageJson(dir)?.name === "xen-ha") return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
