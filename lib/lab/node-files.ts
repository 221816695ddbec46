import { chmodSync, chownSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { runCommand } from "../exec/command.ts";
import { xml } from "../xml/xml.ts";
import { fenceDevice, nvpairs } from "./cib.ts";
import { labProgram, must } from "./host-command.ts";
import type { Namespaces, NodeMounts } from "./namespaces.ts";
import { labPaths } from "./power.ts";
import { guestServiceAgent } from "./guest-service-agent.ts";
import { XENSTORE_MODES } from "../sim/xenstore/modes.ts";

/**
 * What each lab node has on disk (doc/cluster-lab.md §1, steps 4-5): corosync's
 * configuration and key, Pacemaker's state dir with a pre-seeded CIB, its
 * logs (/var/log/xen: the simulated host's, where its xl monitors write),
 * and the layer shown over /usr/sbin: `xl` (the node's simulated Xen host,
 * run in the guest network), the simulator's `ssh`, `fence_lab`, and
 * the installed `xen-ha` command (where an admin finds it on a real node).
 */
export interface ClusterTuning {
  /** corosync totem token, ms (cluster-lab: 1000 for quick failovers). */
  readonly tokenMs: number;
  /** corosync totem consensus, ms (unset: corosync's default, 1.2 x token). */
  readonly consensusMs?: number | undefined;
  /** The nodes of this node's corosync cluster (default: every node of the lab) and its name (default xhl). */
  readonly members?: readonly string[];
  readonly clusterName?: string;
}

/** Lab paths go into a script and a config file: only characters that need no quoting. */
const PLAIN_PATH = /^[A-Za-z0-9._/-]+$/;
function plainPath(path: string): string {
  if (!PLAIN_PATH.test(path)) throw new Error(`lab path needs quoting, refused: ${path}`);
  return path;
}

function corosyncConf(ns: Namespaces, tuning: ClusterTuning): string {
  const members = tuning.members ?? ns.nodes;
  const nodes = members.map((node, i) => `  node {\n    ring0_addr: ${ns.address(node)}\n    name: ${node}\n    nodeid: ${i + 1}\n  }\n`);
  return [
    `totem {\n  version: 2\n  cluster_name: ${tuning.clusterName ?? "xhl"}\n  transport: knet\n  crypto_cipher: aes256\n  crypto_hash: sha256\n`,
    `  token: ${tuning.tokenMs}\n  token_coefficient: 0\n${tuning.consensusMs === undefined ? "" : `  consensus: ${tuning.consensusMs}\n`}}\n`,
    `nodelist {\n${nodes.join("")}}\n`,
    `quorum {\n  provider: corosync_votequorum\n${members.length === 2 ? "  two_node: 1\n" : ""}}\n`,
    "logging {\n  to_logfile: yes\n  logfile: /var/log/corosync/corosync.log\n  to_syslog: no\n  to_stderr: no\n  timestamp: hires\n}\n",
  ].join("");
}

async function seedCib(file: string, nodes: readonly string[]): Promise<void> {
  const empty = await must("cibadmin", ["--empty"]);
  writeFileSync(file, empty.stdout);
  const edit = async (args: string[]) => {
    const result = await runCommand("cibadmin", args, { timeoutMs: 15_000, env: { CIB_file: file } });
    if (result.exitCode !== 0) throw new Error(`seeding the CIB: ${result.stderr}`);
  };
  const properties = { "dc-deadtime": "5s", "stonith-enabled": "true", "stonith-timeout": "30s", "no-quorum-policy": "stop" };
  await edit(["--modify", "--allow-create", "-o", "crm_config", "-X", xml`<cluster_property_set id="cib-bootstrap-options">${nvpairs("opt", properties)}</cluster_property_set>`.text]);
  await edit(["--modify", "--allow-create", "-o", "rsc_defaults", "-X", xml`<meta_attributes id="rsc-options">${nvpairs("rsc", { "resource-stickiness": "100" })}</meta_attributes>`.text]);
  await edit(["--create", "-o", "resources", "-X", fenceDevice(nodes).text]);
}

async function ids(): Promise<{ uid: number; gid: number }> {
  const user = await must("getent", ["passwd", "hacluster"]);
  const group = await must("getent", ["group", "haclient"]);
  return { uid: Number(user.stdout.split(":")[2]), gid: Number(group.stdout.split(":")[2]) };
}

/** What the node shows of the installed xen-ha: its agents' directory and its `xen-ha` launcher. */
export interface NodeInstall {
  readonly ocfResourceDir: string;
  readonly xenHa: string;
}

/** Writes one node's files and returns what its mount namespace shows where. */
export async function writeNodeFiles(ns: Namespaces, node: string, tuning: ClusterTuning, authkey: string, install: NodeInstall): Promise<NodeMounts> {
  const dir = labPaths(ns.lab).node(node);
  const { uid, gid } = await ids();
  const etc = join(dir, "etc-corosync");
  mkdirSync(join(etc, "uidgid.d"), { recursive: true });
  writeFileSync(join(etc, "corosync.conf"), corosyncConf(ns, tuning));
  copyFileSync(authkey, join(etc, "authkey"));
  chmodSync(join(etc, "authkey"), 0o400);
  const pcmk = join(dir, "lib-pacemaker");
  for (const sub of ["cib", "pengine", "blackbox", "cores", "bundles"]) mkdirSync(join(pcmk, sub), { recursive: true });
  await seedCib(join(pcmk, "cib", "cib.xml"), tuning.members ?? ns.nodes);
  for (const sub of ["", "cib", "cib/cib.xml", "pengine", "blackbox", "cores", "bundles"]) chownSync(join(pcmk, sub), uid, gid);
  for (const sub of ["log/corosync", "log/pacemaker", "lib-corosync", "sbin"]) mkdirSync(join(dir, sub), { recursive: true });
  chownSync(join(dir, "log", "pacemaker"), uid, gid);
  chmodSync(join(dir, "log", "pacemaker"), 0o770);
  writeSbinLayer(ns, node, join(dir, "sbin"), install.xenHa);
  // the simulated host's /var/log/xen (its xl monitors' logs) where XenDomain reads it on a real dom0
  const xenLogs = join(labPaths(ns.lab).sysroot(node), "var", "log", "xen");
  for (const path of [xenLogs, join(dir, "log", "xen")]) mkdirSync(path, { recursive: true });
  return {
    binds: { "/etc/corosync": etc, "/var/lib/pacemaker": pcmk, "/var/lib/corosync": join(dir, "lib-corosync"), "/var/log": join(dir, "log"), "/var/log/xen": xenLogs },
    overlays: { "/usr/sbin": join(dir, "sbin"), "/usr/lib/ocf/resource.d": install.ocfResourceDir },
  };
}

/**
 * The lab's own OCF agents, beside the installed ones in the nodes' OCF tree:
 * `ocf:xhl-lab:guest-service` (guest-service-agent.ts), the guest cluster's
 * service. Written once, before any node mounts the tree.
 */
export function writeLabAgents(ocfResourceDir: string): void {
  const dir = join(ocfResourceDir, "xhl-lab");
  mkdirSync(dir, { recursive: true });
  const agent = join(dir, "guest-service");
  writeFileSync(agent, guestServiceAgent(process.execPath, labProgram("guest-cluster-service")));
  chmodSync(agent, 0o755);
}

function writeSbinLayer(ns: Namespaces, node: string, sbin: string, xenHa: string): void {
  const simBin = join(labPaths(ns.lab).simRoot, "hosts", node, "bin");
  const xl = join(sbin, "xl");
  writeFileSync(
    xl,
    `#!/bin/sh\n# ${node}'s toolstack: simulated Xen host ${node}; its domains live in the lab's guest network\nexec /usr/bin/nsenter --net=${plainPath(ns.guestsNet)} -- ${plainPath(join(simBin, "xl"))} "$@"\n`,
  );
  chmodSync(xl, 0o755);
  symlinkSync(join(simBin, "ssh"), join(sbin, "ssh"));
  // the xenstore client, for XenHost's domain-death watcher; each launcher takes its mode from its own name
  for (const name of ["xenstore", ...XENSTORE_MODES.map((mode) => `xenstore-${mode}`)]) symlinkSync(join(simBin, name), join(sbin, name));
  symlinkSync(xenHa, join(sbin, "xen-ha"));
  // the installed fence_xen where Pacemaker's fenced looks for fence agents (a guest cluster's device)
  symlinkSync(join(dirname(xenHa), "fence_xen"), join(sbin, "fence_xen"));
  const fence = join(sbin, "fence_lab");
  const program = pathToFileURL(labProgram("fence-lab")).href;
  writeFileSync(fence, `#!${process.execPath}\nprocess.env.XHL_LAB = ${JSON.stringify(ns.lab)};\nimport(${JSON.stringify(program)});\n`);
  chmodSync(fence, 0o755);
}
