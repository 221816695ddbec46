import { defaultInstallDirs } from "../install/dirs.ts";
import type { InstallOptions } from "./install-actions.ts";
import type { CliParts, Register } from "./program.ts";

/** `xen-ha install`, declared; the installer (install-actions.ts) loads when the command runs. */
export const installCommand = (parts: CliParts): Register => (program, io) => {
  program
    .command("install")
    .description("install the agents, a private Node runtime and this command, so they run without the source tree")
    .option("--ocf-root <dir>", "OCF root; agents go to <dir>/resource.d/" + parts.provider, defaultInstallDirs.ocfRoot)
    .option("--prefix <dir>", "where Node, the compiled code and its dependencies go", defaultInstallDirs.prefix)
    .option("--sbin-dir <dir>", "where the xen-ha command and fence agents go", defaultInstallDirs.sbinDir)
    .option("--stonith-dir <dir>", "cluster-glue external stonith plugins", defaultInstallDirs.stonithDir)
    .option("--man-dir <dir>", "man pages (<dir>/man7, <dir>/man8)", defaultInstallDirs.manDir)
    .action(async (options: InstallOptions) => (await import("./install-actions.ts")).runInstall(await parts.registry(), options, io));
};
