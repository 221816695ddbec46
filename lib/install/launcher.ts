import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";

/** Linux reads at most this many bytes of a `#!` line (BINPRM_BUF_SIZE since 5.1). */
const SHEBANG_MAX = 255;

/** The mark by which a launcher is recognised as ours, so we never overwrite anyone else's file. */
export const LAUNCHER_MARK = "written by `xen-ha install`";

/** Where an installed copy of xen-ha keeps what its launchers load. */
export interface PrefixLayout {
  readonly node: string;
  readonly dist: string;
  readonly compileCache: string;
}

export function prefixLayout(prefix: string): PrefixLayout {
  return { node: join(prefix, "bin", "node"), dist: join(prefix, "dist"), compileCache: join(prefix, "cache") };
}

/** Why a prefix cannot carry launchers, or undefined when it can. */
export function prefixProblem(prefix: string): string | undefined {
  if (!prefix.startsWith("/")) return `prefix '${prefix}' is not an absolute path`;
  if (/[\s\0]/.test(prefix)) return `prefix '${prefix}' contains white space, which a #! line cannot carry`;
  if (`#!${prefixLayout(prefix).node}`.length > SHEBANG_MAX) return `prefix '${prefix}' is too long for a #! line`;
  return undefined;
}

/**
 * The text of an installed executable: a script for the installed Node that
 * loads one compiled entry point. It is valid as CommonJS and as ESM, so it
 * runs the same wherever it lands, and it turns on Node's compile cache
 * because an agent is started afresh for every operation. The cache lives
 * under the prefix, written by root (the installer's check warms it, the LRM
 * runs agents as root): never in a shared temporary directory, whose entries
 * anyone could plant and root would then run. Where it cannot be written (a
 * read-only /usr, ocf-tester's `su nobody`), enableCompileCache only reports
 * so and the agent runs uncached.
 */
export function launcherText(path: string, prefix: string, entry: string): string {
  const layout = prefixLayout(prefix);
  const url = pathToFileURL(join(layout.dist, entry)).href;
  return [
    `#!${layout.node}`,
    `// ${basename(path)}: ${LAUNCHER_MARK}; runs ${entry} of the xen-ha copy in ${prefix}.`,
    `process.getBuiltinModule("node:module").enableCompileCache(${JSON.stringify(layout.compileCache)});`,
    entry.endsWith(".cjs")
      ? `process.getBuiltinModule("node:module").createRequire("/")(${JSON.stringify(join(layout.dist, entry))});`
      : `import(${JSON.stringify(url)});`,
    "",
  ].join("\n");
}
