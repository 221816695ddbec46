import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Plugin } from "esbuild";
import type { AgentDocs } from "../ocf/define-agent.ts";
import { renderMetadata } from "../ocf/metadata.ts";
import { METADATA_DIALECTS, metadataFile } from "./launcher.ts";

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

/**
 * The agents' process backend: in their bundles, lib/exec/command.ts starts
 * tools with node:child_process (start-node) where everything else uses
 * execa (start-execa). The deadline, the process groups and the output stay
 * command.ts's runWith for both. Why: doc/cost.md (execa alone costs an
 * agent 30 ms of CPU and 11 MiB at every start).
 */
const LEAN_BACKEND = { from: "start-execa.js", to: "start-node.js" } as const;

const leanBackend: Plugin = {
  name: "xen-ha-lean-backend",
  setup(build) {
    build.onResolve({ filter: new RegExp(`^\\./${LEAN_BACKEND.from.replace(".", "\\.")}$`) }, (args) =>
      args.importer.endsWith(join("lib", "exec", "command.js")) ? { path: join(args.resolveDir, LEAN_BACKEND.to) } : undefined,
    );
  },
};

/** Bundles each entry point of `distDir` into distDir/bundle/ (build time only: esbuild is a dev dependency). */
export async function bundleEntries(distDir: string, entries: readonly string[]): Promise<void> {
  const { build } = await import("esbuild");
  // nothing of an earlier layout (bundle/*.mjs) may ship with this one
  rmSync(join(distDir, BUNDLE_DIR), { recursive: true, force: true });
  for (const entry of entries) {
    const { metafile } = await build({
      entryPoints: [join(distDir, entry)],
      outfile: join(distDir, bundledEntry(entry)),
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node22",
      logLevel: "warning",
      plugins: [leanBackend],
      metafile: true,
    });
    const execa = Object.keys(metafile.inputs).filter((input) => /(^|\/)(node_modules\/execa|lib\/exec\/start-execa\.js)/.test(input));
    if (execa.length > 0) throw new Error(`${entry}: the agent's bundle must not contain execa, but holds ${execa.join(", ")}`);
  }
}

/**
 * Renders each OCF agent's meta-data, in every dialect, into dist/metadata/:
 * what the agent prints depends on its declarations and the caller's OCF
 * version only, so the installed launcher prints these files instead of
 * starting Node (launcher.ts, ocfLauncherText).
 */
export function renderMetadataFiles(distDir: string, agents: readonly AgentDocs[]): void {
  rmSync(join(distDir, dirname(metadataFile("x", "1.0"))), { recursive: true, force: true });
  for (const agent of agents) {
    for (const dialect of METADATA_DIALECTS) {
      const file = join(distDir, metadataFile(agent.name, dialect));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, renderMetadata(agent, dialect));
    }
  }
}
