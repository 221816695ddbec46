import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync, constants } from "node:fs";
import { dirname, join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import type { CommandRunner } from "../exec/command.ts";
import { productionClosure } from "./closure.ts";
import { launcherTargets, type InstallDirs, type LauncherTarget, type Registry } from "./plan.ts";
import { LAUNCHER_MARK, launcherText, METADATA_DIALECTS, metadataFile, ocfLauncherText, ocfLoaderPath, ocfLoaderText, prefixProblem } from "./launcher.ts";
import { readPackageJson } from "./package-root.ts";
import { closedAncestors, copyTree, ensureDir, normaliseModes, replaceTree, writeAtomically } from "./tree.ts";
import { checkLaunchers, type LauncherCheck } from "./check.ts";

/** commander 15 and execa 10 need Node 22.12 or later; the copied runtime must run them. */
const MIN_NODE_MAJOR = 22;

export interface InstallRequest {
  /** The xen-ha package to install from: holds package.json, dist/ and node_modules/. */
  readonly source: string;
  readonly dirs: InstallDirs;
  readonly registry: Registry;
  /** The running Node, which is copied into the prefix. */
  readonly node: { readonly execPath: string; readonly version: string };
  readonly run: CommandRunner;
  /**
   * Stage the installation under this directory instead of the live system
   * (as DESTDIR does for `make install`): every file lands at destdir + its
   * path, launchers still name the final paths, and nothing is run. The
   * Debian package is built this way.
   */
  readonly destdir?: string;
}

export interface InstallReport {
  readonly prefix: string;
  readonly packages: readonly string[];
  readonly launchers: readonly LauncherTarget[];
  readonly checks: readonly LauncherCheck[];
  readonly warnings: readonly string[];
}

/** A refusal: the installation changed nothing, for the reason given. */
export class InstallError extends Error {
  override readonly name = "InstallError";
}

export async function install(request: InstallRequest): Promise<InstallReport> {
  const { source, dirs } = request;
  const at = (path: string): string => (request.destdir ? join(request.destdir, path) : path);
  const targets = launcherTargets(dirs, request.registry);
  const closure = preflight(request, targets, at);

  const staging = `${at(dirs.prefix)}.new-${process.pid}`;
  ensureDir(dirname(at(dirs.prefix)));
  rmSync(staging, { recursive: true, force: true });
  try {
    ensureDir(join(staging, "bin"));
    copyFileSync(request.node.execPath, join(staging, "bin", "node"), constants.COPYFILE_FICLONE);
    copyTree(join(source, "dist"), join(staging, "dist"));
    for (const rel of closure) copyTree(join(source, rel), join(staging, rel), join(source, rel, "node_modules"));
    writeAtomically(join(staging, "package.json"), installedPackageJson(source), 0o644);
    ensureDir(join(staging, "cache"));
    for (const target of targets) {
      if (target.ocfAgent === undefined) continue;
      const loader = join(staging, relative(dirs.prefix, ocfLoaderPath(dirs.prefix, target.ocfAgent)));
      ensureDir(dirname(loader));
      writeAtomically(loader, ocfLoaderText(target.path, dirs.prefix, target.entry, target.ocfAgent), 0o644);
    }
    normaliseModes(staging);
    replaceTree(staging, at(dirs.prefix));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }

  for (const target of targets) {
    ensureDir(dirname(at(target.path)));
    const text =
      target.ocfAgent === undefined ? launcherText(target.path, dirs.prefix, target.entry) : ocfLauncherText(target.path, dirs.prefix, target.ocfAgent);
    writeAtomically(at(target.path), text, 0o755);
  }
  if (dirs.manDir) installManPages(join(source, "dist", "man"), at(dirs.manDir));
  if (request.destdir) return { prefix: dirs.prefix, packages: closure, launchers: targets, checks: [], warnings: [] };
  const checks = await checkLaunchers(targets, request.run);
  const warnings = [dirs.prefix, ...targets.map((t) => t.path)].flatMap((path) =>
    closedAncestors(path).map((dir) => `${dir} is closed to other users: nobody cannot run ${path}`),
  );
  return { prefix: dirs.prefix, packages: closure, launchers: targets, checks, warnings: [...new Set(warnings)] };
}

/** Everything that can be checked before touching the disk; returns the dependency closure. */
function preflight(request: InstallRequest, targets: readonly LauncherTarget[], at: (path: string) => string): string[] {
  const major = Number(request.node.version.split(".")[0]);
  if (!(major >= MIN_NODE_MAJOR)) {
    throw new InstallError(
      `running on Node ${request.node.version}; install with Node ${MIN_NODE_MAJOR} or later ` +
        "(the project's own: node_modules/.bin/node, or npx)",
    );
  }
  const problem = prefixProblem(request.dirs.prefix);
  if (problem) throw new InstallError(problem);
  for (const [name, dir] of Object.entries(request.dirs)) {
    if (!dir.startsWith("/")) throw new InstallError(`${name} '${dir}' is not an absolute path`);
  }
  const prefix = at(request.dirs.prefix);
  if (existsSync(prefix) && readdirSync(prefix).length > 0 && readPackageJson(prefix)?.name !== "xen-ha") {
    throw new InstallError(`${prefix} exists and is not an xen-ha installation; refusing to replace it`);
  }
  for (const target of targets) {
    if (!existsSync(join(request.source, "dist", target.entry))) {
      throw new InstallError(`${join(request.source, "dist", target.entry)} is missing: build first (npm run build)`);
    }
    const agent = target.ocfAgent;
    const rendered = agent === undefined ? [] : METADATA_DIALECTS.map((dialect) => join(request.source, "dist", metadataFile(agent, dialect)));
    for (const file of rendered.filter((f) => !existsSync(f))) {
      throw new InstallError(`${file} is missing: build first (npm run build)`);
    }
    if (existsSync(at(target.path)) && !readFileSync(at(target.path), "utf8").includes(LAUNCHER_MARK)) {
      throw new InstallError(`${at(target.path)} exists and was not written by xen-ha install; refusing to replace it`);
    }
  }
  try {
    return productionClosure(request.source);
  } catch (error) {
    throw new InstallError(error instanceof Error ? error.message : String(error));
  }
}

/** The generated pages (dist/man/manN/*), compressed as Debian policy wants them, into manDir/manN/. */
function installManPages(from: string, manDir: string): void {
  if (!existsSync(from)) throw new InstallError(`${from} is missing: build first (npm run build)`);
  for (const section of readdirSync(from)) {
    ensureDir(join(manDir, section));
    for (const page of readdirSync(join(from, section))) {
      // -n semantics: no name, no time stamp, so a rebuild gives the same bytes
      const gz = gzipSync(readFileSync(join(from, section, page)), { level: 9 });
      gz[4] = gz[5] = gz[6] = gz[7] = 0;
      writeFileSync(join(manDir, section, `${page}.gz`), gz, { mode: 0o644 });
    }
  }
}

/** The installed copy's package.json: "type": "module" makes dist/ load as ESM; the rest lets it install again. */
function installedPackageJson(source: string): string {
  const pkg = JSON.parse(readFileSync(join(source, "package.json"), "utf8")) as Record<string, unknown>;
  const keep = ["name", "version", "description", "license", "type", "engines", "dependencies"];
  return `${JSON.stringify(Object.fromEntries(keep.filter((k) => k in pkg).map((k) => [k, pkg[k]])), null, 2)}\n`;
}
