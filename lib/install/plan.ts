import { join } from "node:path";
import { bundledEntry } from "./bundle.ts";
import type { InstallDirs } from "./dirs.ts";

export { defaultInstallDirs, type InstallDirs } from "./dirs.ts";

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
