import { rmSync } from "node:fs";
import { join } from "node:path";

/**
 * The agents ship as one bundled file each. Pacemaker starts an agent afresh
 * for every operation (a monitor every few seconds, per domain), so what one
 * start costs is what the agent costs. One file loads in a fraction of the
 * time of many modules; CommonJS, because Node's ES module loader alone
 * adds about 3 MB and some milliseconds to every start; and a module reached
 * only through import() (each action, agents/xen-domain/actions.ts) stays
 * unevaluated until that action runs. The xen-ha command stays unbundled: it
 * reads its templates next to its code.
 */
export const BUNDLE_DIR = "bundle";

/** Where the bundle of a compiled entry point (relative to dist/) goes: bin/XenDomain.js -> bundle/XenDomain.cjs. */
export function bundledEntry(entry: string): string {
  const base = entry.replace(/^.*\//, "").replace(/\.js$/, "");
  return `${BUNDLE_DIR}/${base}.cjs`;
}

/** Bundles each entry point of `distDir` into distDir/bundle/ (build time only: esbuild is a dev dependency). */
export async function bundleEntries(distDir: string, entries: readonly string[]): Promise<void> {
  const { build } = await import("esbuild");
  // nothing of an earlier layout (bundle/*.mjs) may ship with this one
  rmSync(join(distDir, BUNDLE_DIR), { recursive: true, force: true });
  for (const entry of entries) {
    await build({
      entryPoints: [join(distDir, entry)],
      outfile: join(distDir, bundledEntry(entry)),
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node22",
      logLevel: "warning",
    });
  }
}
