import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describeFailure, type CommandRunner } from "../exec/command.ts";
import { install, InstallError } from "../install/install.ts";
import { readPackageJson } from "../install/package-root.ts";
import { defaultInstallDirs, type InstallDirs, type Registry } from "../install/plan.ts";

/**
 * `npm run package`: the Debian package of an installation. It is staged by
 * the installer itself (`xen-ha install` with a DESTDIR), so the package and a
 * source install have one layout, and wrapped with dpkg-deb. Nothing is
 * fetched: the private Node is the one running this build.
 */
export interface DebRequest {
  readonly source: string;
  readonly registry: Registry;
  readonly node: { readonly execPath: string; readonly version: string };
  readonly outDir: string;
  readonly run: CommandRunner;
  /** Package version; package.json's when unset (tests build an older one to upgrade from). */
  readonly version?: string;
  /** xz for a release (smallest, ~2 min of CPU for the runtime); gzip -1 where speed matters (tests). */
  readonly compression?: "xz" | "fast";
}

export interface DebResult {
  readonly file: string;
  readonly version: string;
  readonly bytes: number;
  readonly installedKiB: number;
}

/** Where the package puts things: where `xen-ha install` puts them by default. */
export const packageDirs: InstallDirs = defaultInstallDirs;

/**
 * Run-time needs of the agents that the private Node does not bring:
 * crm_attribute (node attributes, utilization) and ssh (migration, remote
 * dom0s). Pacemaker itself, cluster-glue and the Xen tools are what the
 * admin chose to run, so they are recommended or suggested, not forced.
 */
const DEPENDS = ["pacemaker-cli-utils", "openssh-client"];
const RECOMMENDS = ["pacemaker", "resource-agents"];
const SUGGESTS = ["cluster-glue", "xen-utils-common", "fence-agents"];

/** Debian's names for the architectures Node reports. */
const DEB_ARCH: Readonly<Record<string, string>> = { x64: "amd64", arm64: "arm64", ppc64: "ppc64el", s390x: "s390x" };

/**
 * Maintainer scripts, only what the package needs: the agents keep Node's
 * compile cache under the prefix at run time (files dpkg does not own), so
 * an upgrade empties it (old entries would only waste space) and removal
 * deletes it, leaving nothing behind. No cluster service is started or
 * stopped.
 */
const cacheDir = join(packageDirs.prefix, "cache");
const POSTINST = `#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d ${cacheDir} ]; then
  find ${cacheDir} -mindepth 1 -delete
fi
`;
const POSTRM = `#!/bin/sh
set -e
case "$1" in
  remove|purge) rm -rf ${cacheDir}; rmdir --ignore-fail-on-non-empty ${packageDirs.prefix} 2>/dev/null || true ;;
esac
`;

function copyright(license: string): string {
  return [
    "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
    "Upstream-Name: xen-ha",
    "",
    "Files: *",
    "Copyright: the xen-ha authors",
    `License: ${license === "GPL-2.0-or-later" ? "GPL-2+" : license}`,
    " On Debian systems the full text of the GNU General Public License version 2",
    " is in /usr/share/common-licenses/GPL-2.",
    "",
    "Files: usr/lib/xen-ha/bin/node usr/lib/xen-ha/node_modules/*",
    "Copyright: Node.js contributors; the authors of each npm package",
    "License: MIT and others",
    " Node.js and each package under node_modules carry their own licence files.",
    "",
  ].join("\n");
}

function walkFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return walkFiles(path);
    return e.isFile() ? [path] : [];
  });
}

function sizeKiB(dir: string): number {
  return Math.ceil(walkFiles(dir).reduce((sum, f) => sum + statSync(f).size, 0) / 1024);
}

export async function buildDeb(request: DebRequest): Promise<DebResult> {
  const pkg = readPackageJson(request.source);
  if (!pkg) throw new InstallError(`${request.source} holds no package.json`);
  const version = request.version ?? pkg.version;
  if (!/^[0-9][A-Za-z0-9.+~-]*$/.test(version)) throw new InstallError(`'${version}' is not a Debian version`);
  const arch = DEB_ARCH[process.arch];
  if (!arch) throw new InstallError(`no Debian architecture for Node's '${process.arch}'`);
  const license = (JSON.parse(readFileSync(join(request.source, "package.json"), "utf8")) as { license?: string }).license ?? "";

  const root = mkdtempSync(join(tmpdir(), "xen-ha-deb-"));
  chmodSync(root, 0o755); // the package's "./": mkdtemp's 0700 would be the mode of / in the archive
  try {
    await install({ ...request, dirs: packageDirs, destdir: root });
    const docDir = join(root, "usr", "share", "doc", "xen-ha");
    mkdirSync(docDir, { recursive: true });
    copyFileSync(join(request.source, "README.md"), join(docDir, "README.md"));
    writeFileSync(join(docDir, "copyright"), copyright(license));

    const control = join(root, "DEBIAN");
    mkdirSync(control);
    const md5sums = walkFiles(root)
      .filter((f) => !f.startsWith(control))
      .map((f) => `${createHash("md5").update(readFileSync(f)).digest("hex")}  ${relative(root, f)}`)
      .join("\n");
    writeFileSync(join(control, "md5sums"), `${md5sums}\n`);
    writeFileSync(
      join(control, "control"),
      [
        "Package: xen-ha",
        `Version: ${version}`,
        `Architecture: ${arch}`,
        "Maintainer: xen-ha developers <xen-ha@localhost>",
        `Installed-Size: ${sizeKiB(root)}`,
        `Depends: ${DEPENDS.join(", ")}`,
        `Recommends: ${RECOMMENDS.join(", ")}`,
        `Suggests: ${SUGGESTS.join(", ")}`,
        "Section: admin",
        "Priority: optional",
        `Description: ${pkg.name === "xen-ha" ? "Xen high availability under Pacemaker" : pkg.name}`,
        " OCF resource agents (ocf:xen-ha:XenDomain), a fence agent (fence_xen), a",
        " cluster-glue stonith plugin (external/xen-ha), CIB templates and the xen-ha",
        " command, run by a private Node runtime shipped in /usr/lib/xen-ha.",
        "",
      ].join("\n"),
    );
    for (const [name, text] of [["postinst", POSTINST], ["postrm", POSTRM]] as const) {
      writeFileSync(join(control, name), text);
      chmodSync(join(control, name), 0o755);
    }

    mkdirSync(request.outDir, { recursive: true });
    const file = join(request.outDir, `xen-ha_${version}_${arch}.deb`);
    const compress = request.compression === "fast" ? ["-Zgzip", "-z1"] : ["-Zxz", "-z6"];
    const built = await request.run("dpkg-deb", ["--root-owner-group", ...compress, "--build", root, file], {
      timeoutMs: 600_000,
    });
    if (built.exitCode !== 0) throw new InstallError(`dpkg-deb failed: ${describeFailure(built)}`);
    return { file, version, bytes: statSync(file).size, installedKiB: sizeKiB(root) - sizeKiB(control) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
