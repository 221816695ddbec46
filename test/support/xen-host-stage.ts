import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { xenHostMain, type XenHostOverrides } from "../../agents/xen-host/main.ts";
import { runCommand } from "../../lib/exec/command.ts";
import { cleanupSim, createSimHost, writeKernelFiles, type PersonaId } from "../../lib/sim/index.ts";
import { runAgentInProcess, type AgentOutcome, type Env } from "./run-agent-in-process.ts";
import { TEST_TIME_FACTOR } from "./sim-resource.ts";

const SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

/** A CIB file with one node in the status section: crm_attribute writes transient attributes there (CIB_file). */
export function oneNodeCib(node: string): string {
  return `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes><node id="1" uname="${node}"/></nodes><resources/><constraints/></configuration>
  <status><node_state id="1" uname="${node}"/></status>
</cib>
`;
}

/** Runs one XenHost action in this process with exactly `env` as its environment. */
export const runXenHost = (action: string, env: Env, overrides: XenHostOverrides = {}): Promise<AgentOutcome> =>
  runAgentInProcess((io) => xenHostMain(io, overrides), action, env);

/** A healthy dom0's /proc and /sys, as far as XenHost reads them. */
export interface KernelScene {
  /** comm of each process, by pid. */
  readonly processes: Readonly<Record<number, string>>;
  readonly memAvailableKiB: number;
  readonly loadavg: string;
  readonly cpus: number;
  /** operstate by interface name. */
  readonly interfaces: Readonly<Record<string, string>>;
}

export const HEALTHY_DOM0: KernelScene = {
  processes: { 1: "systemd", 812: "xenstored", 820: "xenconsoled", 900: "sshd" },
  memAvailableKiB: 2_000_000,
  loadavg: "0.30 0.20 0.10 1/180 4242",
  cpus: 2,
  interfaces: { xenbr0: "up", eth0: "up" },
};

export function writeKernelScene(sysroot: string, scene: KernelScene): void {
  rmSync(join(sysroot, "proc"), { recursive: true, force: true });
  rmSync(join(sysroot, "sys", "class"), { recursive: true, force: true });
  writeKernelFiles(sysroot, "dom0");
  for (const [pid, comm] of Object.entries(scene.processes)) {
    mkdirSync(join(sysroot, "proc", pid), { recursive: true });
    writeFileSync(join(sysroot, "proc", pid, "comm"), `${comm}\n`);
  }
  writeFileSync(join(sysroot, "proc", "meminfo"), `MemTotal:        4000000 kB\nMemFree:          100000 kB\nMemAvailable:   ${String(scene.memAvailableKiB).padStart(8)} kB\n`);
  writeFileSync(join(sysroot, "proc", "loadavg"), `${scene.loadavg}\n`);
  const cpuLines = Array.from({ length: scene.cpus }, (_, i) => `cpu${i} 100 0 100 1000 0 0 0 0 0 0`).join("\n");
  writeFileSync(join(sysroot, "proc", "stat"), `cpu  200 0 200 2000 0 0 0 0 0 0\n${cpuLines}\nintr 0\n`);
  for (const [name, state] of Object.entries(scene.interfaces)) {
    mkdirSync(join(sysroot, "sys", "class", "net", name), { recursive: true });
    writeFileSync(join(sysroot, "sys", "class", "net", name, "operstate"), `${state}\n`);
  }
}

/**
 * One dom0 for XenHost: a simulated toolstack (PATH), a kernel view of our
 * own (XEN_HA_SYSROOT), a CIB file naming the node (CIB_file, so the real
 * crm_attribute writes the attributes there), HA_RSCTMP and a data pool
 * directory, all under one temporary root.
 */
export function xenHostStage(options: { readonly persona?: PersonaId; readonly node?: string } = {}) {
  const root = mkdtempSync(join(tmpdir(), "xen-ha-host-"));
  const node = options.node ?? "node1";
  const sim = createSimHost({ root, host: "node1", persona: options.persona ?? "xl-4.17", timeFactor: TEST_TIME_FACTOR, basePath: SYSTEM_PATH });
  const sysroot = join(root, "kernel");
  writeKernelScene(sysroot, HEALTHY_DOM0);
  const cibFile = join(root, "cib.xml");
  writeFileSync(cibFile, oneNodeCib(node));
  const pool = join(root, "pool");
  mkdirSync(pool);
  const env: Env = {
    OCF_ROOT: "/usr/lib/ocf",
    OCF_RA_VERSION_MAJOR: "1",
    OCF_RA_VERSION_MINOR: "1",
    OCF_RESOURCE_INSTANCE: "xen-host:0",
    OCF_RESOURCE_TYPE: "XenHost",
    OCF_RESOURCE_PROVIDER: "xen-ha",
    OCF_EXIT_REASON_PREFIX: "ocf-exit-reason:",
    OCF_RESKEY_CRM_meta_timeout: "20000",
    OCF_RESKEY_CRM_meta_on_node: node,
    HA_logfacility: "none",
    ...sim.env,
    NODE_OPTIONS: "",
    XEN_HA_SYSROOT: sysroot,
    HA_RSCTMP: join(root, "rsctmp"),
    CIB_file: cibFile,
  };
  return {
    root,
    sim,
    sysroot,
    cibFile,
    pool,
    env,
    /** Runs one action; `extra` adds or (with undefined) removes variables. */
    run: (action: string, extra: Env = {}, overrides: XenHostOverrides = {}): Promise<AgentOutcome> => runXenHost(action, { ...env, ...extra }, overrides),
    /** The node's transient attributes, as Pacemaker's own cibadmin reads the CIB file. */
    attributes: async (): Promise<Record<string, string>> => {
      const query = await runCommand("cibadmin", ["--query", "--scope", "status"], { timeoutMs: 10_000, env: { CIB_file: cibFile } });
      if (query.exitCode !== 0) throw new Error(`cibadmin: ${query.stderr}`);
      return Object.fromEntries([...query.stdout.matchAll(/<nvpair id="[^"]*" name="([^"]*)" value="([^"]*)"\/>/g)].map((m) => [m[1]!, m[2]!]));
    },
    dispose: (): void => {
      cleanupSim(root);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export type XenHostStage = ReturnType<typeof xenHostStage>;
