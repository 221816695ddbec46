import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
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
 * tools on libuv's handles (start-node) where everything else uses execa
 * (start-execa). The deadline, the process groups and the output stay
 * command.ts's runWith for both. Why: doc/cost.md (execa alone costs an
 * agent 30 ms of CPU and 11 MiB at every start, node:child_process 12 ms and 3 MiB).
 */
const LEAN_BACKEND = { from: "start-execa", to: "start-node" } as const;

const leanBackend: Plugin = {
  name: "xen-ha-lean-backend",
  setup(build) {
    // compiled (dist/, .js) or, for a benchmark's program, the sources (.ts)
    build.onResolve({ filter: new RegExp(`^\\./${LEAN_BACKEND.from}\\.(js|ts)$`) }, (args) => {
      const ext = args.path.slice(-3);
      return args.importer.endsWith(join("lib", "exec", `command${ext}`)) ? { path: join(args.resolveDir, `${LEAN_BACKEND.to}${ext}`) } : undefined;
    });
  },
};

/** Bundles each entry point of `distDir` into distDir/bundle/ (build time only: esbuild is a dev dependency). */
export async function bundleEntries(distDir: string, entries: readonly string[]): Promise<void> {
  // nothing of an earlier layout (bundle/*.mjs) may ship with this one
  rmSync(join(distDir, BUNDLE_DIR), { recursive: true, force: true });
  for (const entry of entries) await bundleAgent(join(distDir, entry), join(distDir, bundledEntry(entry)));
}

/**
 * esbuild for a caller that cannot await (the simulator bundles its programs
 * while it writes a host's launchers, lib/sim/tool-bundle.ts); undefined
 * where it is not installed (a dev dependency: an installed package).
 */
export function esbuildSync(): typeof import("esbuild") | undefined {
  try {
    return createRequire(import.meta.url)("esbuild") as typeof import("esbuild");
  } catch {
    return undefined;
  }
}

/** Bundles one program as the agents are bundled: CommonJS, the agents' process backend, no execa, ASCII. */
export async function bundleAgent(entry: string, outfile: string): Promise<void> {
  const { build } = await import("esbuild");
  const { metafile } = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node22",
    logLevel: "warning",
    plugins: [leanBackend],
    metafile: true,
    charset: "ascii",
  });
  const execa = Object.keys(metafile.inputs).filter((input) => /(^|\/)(node_modules\/execa|lib\/exec\/start-execa\.(js|ts))/.test(input));
  if (execa.length > 0) throw new Error(`${entry}: the agent's bundle must not contain execa, but holds ${execa.join(", ")}`);
  writeFileSync(outfile, await asciiBundle(readFileSync(outfile, "utf8")));
}

/**
 * The bundle's text with the non-ASCII characters esbuild leaves written as
 * \u escapes. Its charset "ascii" escapes strings, templates and names, but
 * copies the comments it keeps and regular expression literals as they are,
 * and one "§" in a comment makes V8 hold the whole source as two-byte text:
 * twice the memory, and a slower decode at every start (doc/cost.md). In a
 * comment an escape is only text, in a regular expression it matches the same
 * character; in a tagged template (String.raw) it would change the text, so
 * those are left alone. Comments and literals are found by TypeScript's
 * parser (build time only).
 */
export async function asciiBundle(text: string): Promise<string> {
  if (!/[^\x00-\x7f]/.test(text)) return text;
  const ts = (await import("typescript")).default;
  const source = ts.createSourceFile("bundle.cjs", text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const ranges = new Map<number, number>();
  const visit = (node: import("typescript").Node): void => {
    for (const range of [...(ts.getLeadingCommentRanges(text, node.pos) ?? []), ...(ts.getTrailingCommentRanges(text, node.end) ?? [])]) {
      ranges.set(range.pos, range.end);
    }
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) ranges.set(node.getStart(source), node.end);
    else if (node.kind !== ts.SyntaxKind.EndOfFileToken && node.getChildCount(source) > 0) for (const child of node.getChildren(source)) visit(child);
  };
  visit(source);
  let result = "";
  let at = 0;
  for (const [pos, end] of [...ranges].sort(([a], [b]) => a - b)) {
    if (pos < at) continue;
    result += text.slice(at, pos) + text.slice(pos, end).replace(/[^\x00-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
    at = end;
  }
  return result + text.slice(at);
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
