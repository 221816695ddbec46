// `npm run package` (after the build): writes xen-ha_VERSION_ARCH.deb into the directory given
// (default: the checkout). `--version V` builds the package under another version; `--fast`
// compresses with gzip -1 instead of xz (for tests).
import { resolve } from "node:path";
import { registry } from "../agents/index.ts";
import { runCommand } from "../lib/exec/command.ts";
import { findPackageRoot } from "../lib/install/package-root.ts";
import { buildDeb } from "../lib/package/deb.ts";
import { runMain } from "./process-io.ts";

await runMain("package", async (io) => {
  const args = io.argv;
  const versionAt = args.indexOf("--version");
  const version = versionAt >= 0 ? args[versionAt + 1] : undefined;
  const source = findPackageRoot(import.meta.url);
  if (!source) throw new Error("cannot find the xen-ha package this runs from");
  const outDir = resolve(args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--version") ?? source);
  const deb = await buildDeb({
    source,
    registry,
    node: { execPath: process.execPath, version: process.versions.node },
    outDir,
    run: runCommand,
    ...(version ? { version } : {}),
    ...(args.includes("--fast") ? { compression: "fast" as const } : {}),
  });
  io.stdout(`${deb.file}: ${(deb.bytes / 1048576).toFixed(1)} MiB, installed ${(deb.installedKiB / 1024).toFixed(1)} MiB\n`);
  return 0;
});
