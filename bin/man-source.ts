import { registry } from "../agents/index.ts";
import { buildProgram } from "../lib/cli/program.ts";
import { allManPages, type ManPage } from "../lib/docs/man-pages.ts";
import { readPackageJson } from "../lib/install/package-root.ts";
import { fileURLToPath } from "node:url";
import { xenHaCommands } from "./xen-ha-commands.ts";

/** The pages of this checkout's xen-ha: composed here, where the agents, the templates and the CLI meet. */
export function manPagesOfThisBuild(): ManPage[] {
  const root = fileURLToPath(new URL(import.meta.url.endsWith(".js") ? "../../" : "../", import.meta.url));
  const version = readPackageJson(root)?.version ?? "unknown";
  const silent = { stdout: () => {}, stderr: () => {}, env: {}, cwd: "/" };
  const program = buildProgram(silent, xenHaCommands);
  return allManPages(registry, program, `xen-ha ${version}`);
}
