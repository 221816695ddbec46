/**
 * The lab's `stonith_admin` on a dom0, as fence_xen reaches it over the
 * simulator's ssh (doc/cluster-lab.md §6). The simulated ssh runs a command
 * "on" a host with that host's bin dir first on PATH, but in the caller's own
 * namespaces (a guest's); Pacemaker's tools talk to their daemons over IPC
 * that lives in the node's network and mount namespaces. So this program,
 * placed in each dom0's bin dir (dom0-tools.ts), runs the real stonith_admin
 * inside the dom0 node's namespaces (entered through one of its processes,
 * found by its network namespace's inode), with the caller's arguments and
 * streams. A node with no process left has lost power: ssh's own failure,
 * exit 255. It loads node builtins only: it runs at every history read.
 *
 * Its launcher sets XHL_NODE, XHL_NETNS_ID (the node's netns.id file) and
 * XHL_SYSTEM_PATH (where the real stonith_admin is: the PATH ssh gave starts
 * with this dom0's bin dir, which holds this very program).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { pidsInNetns } from "./netns.ts";

function main(node: string, netnsId: string, systemPath: string): number {
  const pid = pidsInNetns(Number(readFileSync(netnsId, "utf8")))[0];
  if (pid === undefined) {
    process.stderr.write(`ssh: connect to host ${node} port 22: No route to host\n`);
    return 255;
  }
  // bounded: the caller's own timeout ends this process group before that
  const result = spawnSync("nsenter", ["-t", String(pid), "--net", "--mount", "--uts", "--", "stonith_admin", ...process.argv.slice(2)], {
    stdio: "inherit",
    timeout: 60_000,
    env: { ...process.env, PATH: systemPath },
  });
  return result.status ?? 1;
}

const [node, netnsId, systemPath] = [process.env["XHL_NODE"], process.env["XHL_NETNS_ID"], process.env["XHL_SYSTEM_PATH"]];
if (node !== undefined && netnsId !== undefined && systemPath !== undefined) process.exitCode = main(node, netnsId, systemPath);
