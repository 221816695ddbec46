import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { labProgram, SYSTEM_PATH } from "./host-command.ts";
import { labPaths } from "./power.ts";

/** Writes the lab's dom0 `stonith_admin` (dom0-stonith-admin.ts) into `binDir`, a simulated dom0's, for `node` of the lab at `lab`. */
export function writeDom0StonithAdmin(lab: string, node: string, binDir: string): void {
  const file = join(binDir, "stonith_admin");
  const program = pathToFileURL(labProgram("dom0-stonith-admin")).href;
  const env = { XHL_NODE: node, XHL_NETNS_ID: labPaths(lab).netnsId(node), XHL_SYSTEM_PATH: SYSTEM_PATH };
  const sets = Object.entries(env).map(([key, value]) => `process.env.${key} = ${JSON.stringify(value)};\n`);
  writeFileSync(file, `#!${process.execPath}\n${sets.join("")}import(${JSON.stringify(program)});\n`);
  chmodSync(file, 0o755);
}
