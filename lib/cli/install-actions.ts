import { resolve } from "node:path";
import { runCommand } from "../exec/command.ts";
import { install, InstallError, type InstallReport } from "../install/install.ts";
import { findPackageRoot } from "../install/package-root.ts";
import type { InstallDirs, Registry } from "../install/plan.ts";
import { CliError, CliExit, type CliIo } from "./io.ts";

export interface InstallOptions {
  readonly ocfRoot: string;
  readonly prefix: string;
  readonly sbinDir: string;
  readonly stonithDir: string;
  readonly manDir: string;
}

/** Installs the package this command runs from, with the running Node, into `dirs`. */
export async function installThisPackage(registry: Registry, dirs: InstallDirs): Promise<InstallReport> {
  const source = findPackageRoot(import.meta.url);
  if (!source) throw new CliError(CliExit.BadInput, "cannot find the xen-ha package this command runs from");
  return install({
    source,
    dirs,
    registry,
    node: { execPath: process.execPath, version: process.versions.node },
    run: runCommand,
  }).catch((error: unknown) => {
    if (error instanceof InstallError) throw new CliError(CliExit.Problems, `install: ${error.message}`);
    throw error;
  });
}

/** `xen-ha install`: the agents, the fence agent and this command, runnable by path without the source tree. */
export async function runInstall(registry: Registry, options: InstallOptions, io: CliIo): Promise<void> {
  const report = await installThisPackage(registry, {
    ocfRoot: resolve(io.cwd, options.ocfRoot),
    prefix: resolve(io.cwd, options.prefix),
    sbinDir: resolve(io.cwd, options.sbinDir),
    stonithDir: resolve(io.cwd, options.stonithDir),
    manDir: resolve(io.cwd, options.manDir),
  });
  io.stdout(`installed Node ${process.versions.node}, dist/ and ${report.packages.length} packages in ${report.prefix}\n`);
  for (const check of report.checks) {
    io.stdout(`${check.ok ? "installed" : "BROKEN   "} ${check.path} (first run ${check.ms} ms)\n`);
  }
  for (const warning of report.warnings) io.stderr(`warning: ${warning}\n`);
  const broken = report.checks.filter((c) => !c.ok);
  if (broken.length > 0) {
    throw new CliError(CliExit.Problems, broken.map((c) => `${c.path} does not run: ${c.problem}`).join("\n"));
  }
}
