import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { endLeftoverTools } from "../../lib/exec/command.ts";
import { cleanupSim, createSimHost, listDomains, sharedDir, writeSampleConfig, type SimHost } from "../../lib/sim/index.ts";
import { fenceXenMain } from "../../agents/fence-xen/main.ts";
import { realFenceXenDeps } from "../../agents/fence-xen/device.ts";
import { captureIo } from "./capture-io.ts";
import { faultyLeaseFs, type PoolFault } from "./faulty-lease-fs.ts";
import { pacemakerEnv, runXenDomain, type AgentOutcome, type Env } from "./run-agent-in-process.ts";

export const LEASE_TIMEOUT_S = 20;
/** The recurring monitor: every 2 s, 10 s timeout (room for the agent's 5 s reboot-gap re-check). */
export const MONITOR = { intervalMs: 2_000, timeoutMs: 10_000 };

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

/**
 * Simulated hosts sharing one data pool (the simulator's shared/ directory),
 * each running XenDomain in this process with its own HA_RSCTMP, node name
 * and view of the pool (a pool fault can be given to one host only). Lease
 * time is a clock the test moves; the simulated toolstack runs in real time.
 */
export function leaseLab(t: Teardown, hosts: readonly string[] = ["node1", "node2"], domains: readonly string[] = ["vm1"]) {
  const root = mkdtempSync(join(tmpdir(), "lease-lab-"));
  t.teardown(() => {
    cleanupSim(root);
    rmSync(root, { recursive: true, force: true });
  });
  const sims: Record<string, SimHost> = Object.fromEntries(
    hosts.map((host) => [host, createSimHost({ root, host, timeFactor: 0.05, basePath: "/usr/sbin:/usr/bin:/sbin:/bin" })]),
  );
  const configs = Object.fromEntries(domains.map((name) => [name, writeSampleConfig({ root, name, memoryMiB: 256 })]));
  const leaseDir = join(sharedDir(root), "leases");
  mkdirSync(leaseDir, { recursive: true });
  const clock = { now: Date.now() };
  const faults = new Map<string, PoolFault>();
  const simEnv = (host: string): Env => ({ ...sims[host]?.env, NODE_OPTIONS: "" });
  const rsctmp = (host: string) => join(root, "rsctmp", host);

  const envOf = (host: string, domain: string, extra: Env = {}): Env => ({
    ...pacemakerEnv(`${domain}-rsc`, { timeoutMs: 20_000 }),
    ...simEnv(host),
    HA_RSCTMP: rsctmp(host),
    OCF_RESKEY_xmfile: configs[domain],
    OCF_RESKEY_lease_dir: leaseDir,
    OCF_RESKEY_lease_timeout: String(LEASE_TIMEOUT_S),
    OCF_RESKEY_shutdown_timeout: "0",
    OCF_RESKEY_CRM_meta_on_node: host,
    ...extra,
  });
  const deps = (host: string) => ({ leaseFs: faultyLeaseFs(() => faults.get(host) ?? "none"), now: () => clock.now });

  return {
    root,
    sims,
    leaseDir,
    clock,
    faults,
    rsctmp,
    simEnv,
    /** One XenDomain action on `host`, for `domain` (default the first). */
    run: (host: string, action: string, extra: Env = {}, domain = domains[0] ?? "vm1"): Promise<AgentOutcome> =>
      runXenDomain(action, envOf(host, domain, extra), deps(host)),
    /** The recurring monitor, with the interval and timeout Pacemaker passes. */
    monitor: (host: string, domain = domains[0] ?? "vm1"): Promise<AgentOutcome> =>
      runXenDomain(
        "monitor",
        envOf(host, domain, {
          OCF_RESKEY_CRM_meta_interval: String(MONITOR.intervalMs),
          OCF_RESKEY_CRM_meta_timeout: String(MONITOR.timeoutMs),
        }),
        deps(host),
      ),
    /** fence_xen off of `domain` through every host, run from `from`, recording the fence in the pool. */
    fence: async (from: string, domain: string, dom0s: readonly string[] = hosts) => {
      const { io, out } = captureIo(
        [],
        simEnv(from),
        `action=off\nport=${domain}\ndom0_list=${dom0s.join(" ")}\nssh_host_key_policy=ignore\nlease_dir=${leaseDir}\npower_timeout=3\nlogin_timeout=2\nshell_timeout=5\n`,
      );
      const code = await fenceXenMain(io, {
        ...realFenceXenDeps(`fence_xen@${from}`),
        now: () => clock.now,
        leaseFs: faultyLeaseFs(() => faults.get(from) ?? "none"),
      });
      await endLeftoverTools(); // as the agent's process exit would
      return { code, stdout: out.stdout, stderr: out.stderr };
    },
    /** Ground truth: the hosts where `domain` exists (any state but dying). */
    where: (domain = domains[0] ?? "vm1") =>
      hosts.filter((host) => listDomains(root, host).some((d) => d.name === domain && !d.dying)),
  };
}
