import { join } from "node:path";
import { bundledEntry } from "./bundle.ts";

/** The directories an installation writes to. */
export interface InstallDirs {
  /** OCF_ROOT: agents go to OCF_ROOT/resource.d/<provider>/. */
  readonly ocfRoot: string;
  /** The private copy of Node, the compiled code and its production dependencies. */
  readonly prefix: string;
  /** Commands for administrators and fence agents (Pacemaker looks for fence_* here). */
  readonly sbinDir: string;
  /** cluster-glue external stonith plugins. */
  readonly stonithDir: string;
  /** Where man pages go (MANDIR/man7, MANDIR/man8); none are installed when unset. */
  readonly manDir?: string;
}

export const defaultInstallDirs: InstallDirs = {
  ocfRoot: "/usr/lib/ocf",
  prefix: "/usr/lib/xen-ha",
  sbinDir: "/usr/sbin",
  stonithDir: "/usr/lib/stonith/plugins/external",
  manDir: "/usr/share/man",
};

/** What the installer learns from the agent registry (agents/index.ts). */
export interface Registry {
  readonly provider: string;
  readonly ocfAgents: readonly { readonly name: string }[];
  readonly fenceAgents?: readonly { readonly name: string }[];
  /** cluster-glue external plugins: installed as stonithDir/<name>. */
  readonly stonithPlugins?: readonly { readonly name: string; readonly entry: string }[];
}

/** One executable the installer writes: a launcher at `path` for the compiled `entry` (relative to dist/). */
export interface LauncherTarget {
  readonly path: string;
  readonly entry: string;
  /** A harmless call that proves the installed program runs (and warms its compile cache). */
  readonly checkArgs: readonly string[];
  /** An OCF agent: a shell launcher that answers meta-data from the build's rendered files (launcher.ts). */
  readonly ocfAgent?: string;
}

/** The compiled entry points (relative to dist/) of the programs the cluster starts: the ones shipped bundled. */
export function agentEntries(registry: Registry): string[] {
  return [
    ...registry.ocfAgents.map((a) => `bin/${a.name}.js`),
    ...(registry.fenceAgents ?? []).map((a) => `bin/${a.name}.js`),
    ...(registry.stonithPlugins ?? []).map((p) => p.entry),
  ];
}

/** Every executable of an installation, in one table: adding a program is one row. */
export function launcherTargets(dirs: InstallDirs, registry: Registry): LauncherTarget[] {
  const providerDir = join(dirs.ocfRoot, "resource.d", registry.provider);
  return [
    // methods, not meta-data: meta-data is answered without Node, and the check must start the agent
    ...registry.ocfAgents.map((a) => ({
      path: join(providerDir, a.name),
      entry: bundledEntry(`bin/${a.name}.js`),
      checkArgs: ["methods"],
      ocfAgent: a.name,
    })),
    ...(registry.fenceAgents ?? []).map((a) => ({
      path: join(dirs.sbinDir, a.name),
      entry: bundledEntry(`bin/${a.name}.js`),
      checkArgs: ["-o", "metadata"],
    })),
    ...(registry.stonithPlugins ?? []).map((p) => ({
      path: join(dirs.stonithDir, p.name),
      entry: bundledEntry(p.entry),
      checkArgs: ["getconfignames"],
    })),
    { path: join(dirs.sbinDir, "xen-ha"), entry: "bin/xen-ha.js", checkArgs: ["--help"] },
  ];
}
