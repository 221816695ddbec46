import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SYSTEM_PATH } from "./host-command.ts";
import { dom0StonithAdmin } from "./dom0-stonith-admin.ts";
import { labPaths } from "./power.ts";

/** Writes the lab's dom0 `stonith_admin` (dom0-stonith-admin.ts) into `binDir`, a simulated dom0's, for `node` of the lab at `lab`. */
export function writeDom0StonithAdmin(lab: string, node: string, binDir: string): void {
  const file = join(binDir, "stonith_admin");
  writeFileSync(file, dom0StonithAdmin(node, labPaths(lab).netnsId(node), SYSTEM_PATH));
  chmodSync(file, 0o755);
}
