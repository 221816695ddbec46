import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { MetadataDialect } from "../ocf/metadata.ts";

/** Linux reads at most this many bytes of a `#!` line (BINPRM_BUF_SIZE since 5.1). */
const SHEBANG_MAX = 255;

/** The mark by which a launcher is recognised as ours, so we never overwrite anyone else's file. */
export const LAUNCHER_MARK = "written by `xen-ha install`";

/** Where an installed copy of xen-ha keeps what its launchers load. */
export interface PrefixLayout {
  readonly node: string;
  readonly dist: string;
  readonly compileCache: string;
  /** The Node half of the OCF agents' shell launchers (ocfLoaderText). */
  readonly loaders: string;
}

export function prefixLayout(prefix: string): PrefixLayout {
  return { node: join(prefix, "bin", "node"), dist: join(prefix, "dist"), compileCache: join(prefix, "cache"), loaders: join(prefix, "launch") };
}

/** Why a prefix cannot carry launchers, or undefined when it can. */
export function prefixProblem(prefix: string): string | undefined {
  if (!prefix.startsWith("/")) return `prefix '${prefix}' is not an absolute path`;
  if (/[\s\0]/.test(prefix)) return `prefix '${prefix}' contains white space, which a #! line cannot carry`;
  if (`#!${prefixLayout(prefix).node}`.length > SHEBANG_MAX) return `prefix '${prefix}' is too long for a #! line`;
  return undefined;
}

/**
 * Turns on Node's compile cache, then loads one compiled entry point. The
 * cache lives under the prefix, written by root (the installer's check warms
 * it, the LRM runs agents as root): never in a shared temporary directory,
 * whose entries anyone could plant and root would then run. Where it cannot
 * be written (a read-only /usr, ocf-tester's `su nobody`),
 * enableCompileCache only reports so and the agent runs uncached.
 */
function loadLines(prefix: string, entry: string): string[] {
  const layout = prefixLayout(prefix);
  return [
    `process.getBuiltinModule("node:module").enableCompileCache(${JSON.stringify(layout.compileCache)});`,
    entry.endsWith(".cjs")
      ? `process.getBuiltinModule("node:module").createRequire("/")(${JSON.stringify(join(layout.dist, entry))});`
      : `import(${JSON.stringify(pathToFileURL(join(layout.dist, entry)).href)});`,
  ];
}

/**
 * The text of an installed executable: a script for the installed Node that
 * loads one compiled entry point. It is valid as CommonJS and as ESM, so it
 * runs the same wherever it lands, and it turns on Node's compile cache
 * because an agent is started afresh for every operation.
 */
export function launcherText(path: string, prefix: string, entry: string): string {
  return [
    `#!${prefixLayout(prefix).node}`,
    `// ${basename(path)}: ${LAUNCHER_MARK}; runs ${entry} of the xen-ha copy in ${prefix}.`,
    ...loadLines(prefix, entry),
    "",
  ].join("\n");
}

/** The meta-data forms an OCF agent prints (lib/ocf/metadata.ts), each rendered at build time. */
export const METADATA_DIALECTS: readonly MetadataDialect[] = ["1.0", "1.1"];

/** Where the build puts an OCF agent's rendered meta-data, relative to dist/. */
export function metadataFile(agent: string, dialect: MetadataDialect): string {
  return `metadata/${agent}-${dialect}.xml`;
}

/** The Node script an OCF agent's shell launcher starts: prefix/launch/<agent>.cjs. */
export function ocfLoaderPath(prefix: string, agent: string): string {
  return join(prefixLayout(prefix).loaders, `${agent}.cjs`);
}

/** Where an OCF agent's loader keeps V8's code cache of its bundle. */
export function codeCachePath(prefix: string, agent: string): string {
  return join(prefixLayout(prefix).compileCache, `${agent}.v8code`);
}

/**
 * What the shell launcher at `path` runs for every action but meta-data. It
 * names the launcher as the program (process.argv[1]), which is what the
 * agent runs again for its own helpers (XenHost's watcher).
 *
 * It compiles the bundle itself, with V8's code cache taken after a monitor
 * ran: Node's compile cache holds only what V8 compiled while loading the
 * bundle, so the functions a monitor compiles later were compiled at every
 * start (measured: doc/cost.md). The first monitor that finds no cache and
 * answers 0 or 7 writes it (root, under the prefix, as Node's cache; a reinstall empties
 * the directory); a cache V8 rejects (another Node, other flags, another
 * bundle) is ignored and the bundle compiled as without one. The bundle
 * holds no import(): esbuild's CommonJS output reaches each action's code
 * through a plain function, so the script needs no module loader; and it
 * requires Node's own modules only, so its require is
 * process.getBuiltinModule (node:module's createRequire cost a monitor
 * 2 MiB of its peak: doc/cost.md).
 */
export function ocfLoaderText(path: string, prefix: string, entry: string, agent: string): string {
  const bundle = join(prefixLayout(prefix).dist, entry);
  return [
    `// ${basename(path)}: ${LAUNCHER_MARK}; started by ${path}, runs ${entry} of the xen-ha copy in ${prefix}.`,
    `process.argv[1] = ${JSON.stringify(path)};`,
    'const fs = process.getBuiltinModule("node:fs");',
    "// once nothing is left to do, exit without tearing down a heap that is about to vanish (about 1 ms)",
    'process.once("beforeExit", () => process.exit());',
    `const bundle = ${JSON.stringify(bundle)};`,
    `const cache = ${JSON.stringify(codeCachePath(prefix, agent))};`,
    'const text = fs.readFileSync(bundle, "utf8");',
    "let cachedData;",
    "try {",
    "  cachedData = fs.readFileSync(cache);",
    "} catch {}",
    "// the CommonJS wrapper, and the #! line made a comment: line numbers stay the bundle's",
    'const wrapped = `(function (exports, require, module, __filename, __dirname) {${text.startsWith("#!") ? `//${text.slice(2)}` : text}\\n})`;',
    'const script = new (process.getBuiltinModule("node:vm").Script)(wrapped, { filename: bundle, cachedData });',
    'if (cachedData === undefined && process.argv[2] === "monitor") {',
    "  // only a monitor that had its answer (running, or not running) ran the code worth caching",
    '  process.once("exit", (code) => {',
    "    if (code !== 0 && code !== 7) return;",
    "    const partial = `${cache}.${process.pid}`;",
    "    try {",
    "      fs.writeFileSync(partial, script.createCachedData(), { mode: 0o600 });",
    "      fs.renameSync(partial, cache);",
    "    } catch {",
    "      fs.rmSync(partial, { force: true });",
    "    }",
    "  });",
    "}",
    "const loaded = { exports: {} };",
    "// esbuild leaves only Node's own modules outside the bundle: no module loader is needed",
    "const requireBuiltin = (id) => {",
    "  const builtin = process.getBuiltinModule(id);",
    "  if (builtin === undefined) throw new Error(`${bundle} requires '${id}', which is not one of Node's own modules`);",
    "  return builtin;",
    "};",
    `script.runInThisContext().call(loaded.exports, loaded.exports, requireBuiltin, loaded, bundle, ${JSON.stringify(dirname(bundle))});`,
    "",
  ].join("\n");
}

/** A word the shell reads back as exactly `text`. */
function shellQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The flags the OCF agents' Node runs with. --jitless: V8 interprets and
 * compiles no machine code. An agent's run is a few milliseconds of
 * JavaScript, too short for compiled code to pay back; what a tier-up costs
 * instead is memory: whether V8 compiles a function of Node's own path
 * module with Maglev depends on how long the paths are, and when it does,
 * the compiler's pages add 1.6 MiB to a monitor's peak. Measured: the same
 * CPU, 0.4 to 2.5 MiB less (doc/cost.md). V8's code cache holds bytecode and
 * is checked against the flags, so the cache a monitor writes under these
 * flags serves every later start.
 */
export const OCF_NODE_FLAGS: readonly string[] = ["--jitless"];

/**
 * An OCF agent's installed executable: a POSIX shell script. `meta-data`
 * alone, for a caller that says OCF 1.0 (OCF_RA_VERSION_MINOR unset, empty
 * or 0) or 1.1 (exactly 1), prints the file the build rendered from the same
 * declarations (the agent's own answer, byte for byte: doc/cost.md), which
 * spares the 40 ms of a Node start. Everything else, and anything unusual
 * (more arguments, another version, a missing file), goes to the agent
 * unchanged. No word of input becomes shell code: the arguments travel as
 * "$@" and the version is only compared.
 */
export function ocfLauncherText(path: string, prefix: string, agent: string): string {
  const layout = prefixLayout(prefix);
  const rendered = (dialect: MetadataDialect) => shellQuoted(join(layout.dist, metadataFile(agent, dialect)));
  return [
    "#!/bin/sh",
    `# ${basename(path)}: ${LAUNCHER_MARK}; runs the ${agent} agent of the xen-ha copy in ${prefix}.`,
    'if [ "$#" -eq 1 ] && [ "$1" = meta-data ]; then',
    "  case ${OCF_RA_VERSION_MINOR-} in",
    `  ''|0) rendered=${rendered("1.0")} ;;`,
    `  1) rendered=${rendered("1.1")} ;;`,
    "  *) rendered= ;;",
    "  esac",
    '  if [ -n "$rendered" ] && [ -r "$rendered" ] && [ -x /bin/cat ]; then exec /bin/cat -- "$rendered"; fi',
    "fi",
    `exec ${[layout.node, ...OCF_NODE_FLAGS, ocfLoaderPath(prefix, agent)].map(shellQuoted).join(" ")} "$@"`,
    "",
  ].join("\n");
}
