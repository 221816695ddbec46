import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { esbuildSync } from "../install/bundle.ts";
import { bundledName, simExecutable } from "./host/processes.ts";

/**
 * The simulator's programs as one CommonJS file each, for its launchers.
 * Every simulated xl call is a fresh Node process, and what it costs beyond
 * Node's own start is the simulator's overhead, which a cluster benchmark
 * counts as the agents'. One file in the compile cache loads in a fraction of
 * the time of twenty modules through the ES module loader (lib/sim/README.md,
 * "Costs"), as the agents' bundles do (lib/install/bundle.ts).
 *
 * Built on demand with esbuild (a dev dependency) from the code that creates
 * the host, sources or dist/, into a per-user cache: a directory named by the
 * hash of every file bundled, so a changed source gives a new directory and
 * a running host keeps the one its launchers name. Where esbuild cannot be
 * loaded (an installed package) the launchers load the modules instead.
 */
export const SIM_PROGRAMS = ["xl", "xm", "sim-ssh", "sim-stat", "sim-xenstore", "sim-guest", "sim-monitor"] as const;

/** Set to "0" to give new launchers the modules instead of the bundle (to compare the two). */
export const ENV_BUNDLE = "XEN_SIM_BUNDLE";

interface Manifest {
  readonly dir: string;
  /** Every file the bundles hold, with the sha256 of its contents when bundled. */
  readonly inputs: Readonly<Record<string, string>>;
}

const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

/** Beside the compile cache, per user: shared by every root, as the bundles do not depend on one. */
const cacheRoot = (): string => join(tmpdir(), `xen-ha-sim-bundle-${userInfo().uid}`);

/** The bundler itself counts as an input: a change of its options makes a new bundle. */
const SELF = fileURLToPath(import.meta.url);

function isCurrent(manifest: Manifest): boolean {
  if (!(SELF in manifest.inputs)) return false;
  if (!SIM_PROGRAMS.every((program) => existsSync(join(manifest.dir, bundledName(program))))) return false;
  return Object.entries(manifest.inputs).every(([file, hash]) => {
    try {
      return sha256(readFileSync(file)) === hash;
    } catch {
      return false;
    }
  });
}

function readManifest(file: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Manifest;
  } catch {
    return undefined;
  }
}

type Esbuild = NonNullable<ReturnType<typeof esbuildSync>>;

function build(esbuild: Esbuild, root: string): Manifest {
  mkdirSync(root, { recursive: true });
  const staging = mkdtempSync(join(root, "staging-"));
  try {
    const { metafile } = esbuild.buildSync({
      entryPoints: Object.fromEntries(SIM_PROGRAMS.map((program) => [program, simExecutable(program)])),
      outdir: staging,
      outExtension: { ".js": ".cjs" },
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node22",
      // a bundled program starts its siblings (guests, monitors) from its own directory
      define: { XEN_SIM_BUNDLE_DIR: "__dirname" },
      absWorkingDir: "/",
      metafile: true,
      // import.meta.url stays in simExecutable's unbundled branch, which a bundle never takes
      logLevel: "error",
      // comments out: less to read at each start, and ASCII only (a kept "§" makes V8 hold
      // the whole source as two-byte text: lib/install/bundle.ts, asciiBundle)
      minifyWhitespace: true,
    });
    const files = [...Object.keys(metafile.inputs).map((file) => resolve("/", file)), SELF];
    const inputs = Object.fromEntries(files.map((file) => [file, sha256(readFileSync(file))]));
    const dir = join(root, sha256(JSON.stringify(inputs)).slice(0, 16));
    if (existsSync(dir)) rmSync(staging, { recursive: true, force: true });
    else {
      // readable by whoever runs a launcher, as the sources are
      chmodSync(staging, 0o755);
      try {
        renameSync(staging, dir);
      } catch (error) {
        // another process put the same bundle there first
        if (!existsSync(dir)) throw error;
        rmSync(staging, { recursive: true, force: true });
      }
    }
    return { dir, inputs };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

let known: Manifest | undefined;

/**
 * The directory holding a current bundle of every simulator program, built
 * when a bundled file changed; undefined when esbuild is not there or
 * XEN_SIM_BUNDLE=0.
 */
export function simBundleDir(): string | undefined {
  if (process.env[ENV_BUNDLE] === "0") return undefined;
  if (known && isCurrent(known)) return known.dir;
  const root = cacheRoot();
  // one manifest per tree the programs come from (a checkout's sources, its dist/, another checkout)
  const manifestFile = join(root, `${sha256(dirname(simExecutable("xl"))).slice(0, 16)}.json`);
  const previous = readManifest(manifestFile);
  if (previous && isCurrent(previous)) return (known = previous).dir;
  const esbuild = esbuildSync();
  if (!esbuild) return undefined;
  const manifest = build(esbuild, root);
  const staged = `${manifestFile}.${process.pid}`;
  writeFileSync(staged, JSON.stringify(manifest));
  renameSync(staged, manifestFile);
  return (known = manifest).dir;
}
