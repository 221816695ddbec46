import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { runCommand, type CommandResult } from "../exec/command.ts";
import { SYSROOT_ENV } from "../toolstack/host-evidence.ts";
import { SYSTEM_PATH, until } from "./host-command.ts";
import type { Namespaces } from "./namespaces.ts";
import { labPaths } from "./power.ts";

/**
 * Running things on a node (doc/cluster-lab.md §1, step 3): nsenter into its network,
 * mount and UTS namespaces, a clean environment like an init system gives,
 * and no CAP_SYS_BOOT (a Pacemaker panic must not reboot the machine).
 */
const NODE_ENV = [`PATH=${SYSTEM_PATH}`, "LANG=C.UTF-8", "HOME=/root", "TERM=dumb"];

export function onNode(ns: Namespaces, node: string, command: readonly string[], env: readonly string[] = []): string[] {
  return [...ns.enter(node), "--", "env", "-i", ...NODE_ENV, ...env, "setpriv", "--bounding-set", "-sys_boot", "--", ...command];
}

/** A command on a node, bounded. */
export function nodeRun(ns: Namespaces, node: string, command: readonly string[], timeoutMs = 20_000, env: readonly string[] = []): Promise<CommandResult> {
  return runCommand("nsenter", onNode(ns, node, command, env), { timeoutMs });
}

/** A daemon on a node, in the background; nsenter, env and setpriv exec into it, so the pid is the daemon's. */
function startDaemon(ns: Namespaces, node: string, command: readonly string[], env: readonly string[] = []): number {
  const out = openSync(join(labPaths(ns.lab).node(node), "daemons.out"), "a");
  const child = spawn("nsenter", onNode(ns, node, command, env), { detached: true, stdio: ["ignore", out, out] });
  closeSync(out);
  child.on("error", () => {});
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${command.join(" ")} on ${node}`);
  return child.pid;
}

/** corosync, then (once it answers) pacemakerd with file logging only. */
export async function startNode(ns: Namespaces, node: string): Promise<void> {
  startDaemon(ns, node, ["corosync", "-f"]);
  await until(`corosync on ${node}`, async () => ((await nodeRun(ns, node, ["corosync-cfgtool", "-s"], 5_000)).exitCode === 0 ? true : undefined), 30_000, 100);
  // execd hands its environment to the agents: they read the node's simulated /sys and /proc (a dom0's), not the machine's
  const sysroot = `${SYSROOT_ENV}=${labPaths(ns.lab).sysroot(node)}`;
  startDaemon(ns, node, ["pacemakerd"], ["PCMK_logfile=/var/log/pacemaker/pacemaker.log", "PCMK_logfacility=none", "PCMK_debug=no", sysroot]);
}

/** crm_mon's view from `node`: the DC (if any) and the online nodes. */
export async function clusterView(ns: Namespaces, node: string): Promise<{ dc: string | undefined; online: string[] } | undefined> {
  const result = await nodeRun(ns, node, ["crm_mon", "-1", "--output-as=xml"], 10_000);
  if (result.exitCode !== 0) return undefined;
  const dc = /<current_dc present="true"[^>]* name="([^"]+)"/.exec(result.stdout)?.[1];
  const online = [...result.stdout.matchAll(/<node name="([^"]+)"[^>]* online="true"/g)].map((m) => m[1] as string);
  return { dc, online };
}

/** Waits (bounded) until `node` sees a DC and every one of `expected` online. */
export async function untilOnline(ns: Namespaces, node: string, expected: readonly string[], timeoutMs = 90_000): Promise<string> {
  return until(
    `${expected.join(", ")} online with a DC (seen from ${node})`,
    async () => {
      const view = await clusterView(ns, node);
      return view?.dc !== undefined && expected.every((n) => view.online.includes(n)) ? view.dc : undefined;
    },
    timeoutMs,
    250,
  );
}
