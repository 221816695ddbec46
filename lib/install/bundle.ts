import { join } from "node:path";

/**
 * The agents ship as one bundled file each. Pacemaker starts an agent afresh
 * for every operation (a monitor every few seconds, per domain), and loading
 * execa's ~150 modules one by one cost more CPU than the monitor's own work
 * (about 100 ms of ~250 ms); one file loads in a fraction of that. The
 * xen-ha command stays unbundled: it reads its templates next to its code.
 */
export const BUNDLE_DIR = "bundle";

/** Where the bundle of a compiled entry point (relative to dist/) goes: bin/XenDomain.js -> bundle/XenDomain.mjs. */
export function bundledEntry(entry: string): string {
  const base = entry.replace(/^.*\//, "").replace(/\.js$/, "");
  return `${BUNDLE_DIR}/${base}.mjs`;
}

/**
 * esbuild emits CommonJS dependencies (cross-spawn, used by execa) with a
 * `require` shim that ESM lacks; this gives them Node's own.
 */
const REQUIRE_SHIM = 'import { createRequire as __xenHaCreateRequire } from "node:module"; const require = __xenHaCreateRequire(import.meta.url);';

/** Bundles each entry point of `distDir` into distDir/bundle/ (build time only: esbuild is a dev dependency). */
export async function bundleEntries(distDir: string, entries: readonly string[]): Promise<void> {
  const { build } = await import("esbuild");
  for (const entry of entries) {
    await build({
      entryPoints: [join(distDir, entry)],
      outfile: join(distDir, bundledEntry(entry)),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      banner: { js: REQUIRE_SHIM },
      logLevel: "warning",
    });
  }
}
