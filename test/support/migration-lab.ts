import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand, type CommandResult } from "../../lib/exec/command.ts";
import { probeService } from "../../lib/lab/probe.ts";
import { pacemakerEnv, runXenDomain, type AgentOutcome, type Env } from "./run-agent-in-process.ts";
import {
  cleanupSim,
  createSimHost,
  guestServicePort,
  listDomains,
  setGuestBehaviour,
  setHostKnobs,
  writeSampleConfig,
  type DomainFacts,
  type GuestBehaviour,
  type HostKnobs,
  type PersonaId,
  type SimHost,
} from "../../lib/sim/index.ts";

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

export interface MigrationLabOptions {
  readonly persona?: PersonaId;
  readonly timeFactor?: number;
  readonly memoryMiB?: number;
  readonly hosts?: readonly string[];
  /** Extra lines for the domain's config. */
  readonly configLines?: readonly string[];
}

/** What a client of the guest's service saw while something happened. */
export interface ServiceWatch {
  /** Answers before the first failure, failures, answers after the last one. */
  readonly answered: number;
  readonly failed: number;
  /** Failed probes form one contiguous stretch (the migration's pause), not several. */
  readonly contiguous: boolean;
  /** From the first failed probe's start to the first good answer after the last failure, ms. */
  readonly gapMs: number;
  /** Whether the service answered again at the end. */
  readonly answersAtEnd: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export { probeService } from "../../lib/lab/probe.ts";

/**
 * Two (or more) simulated hosts under one root, node2 also reachable as
 * 10.0.0.2 and so on, a domain config on the shared storage, and helpers to
 * start the domain, run tools on a host, read the ground truth and watch
 * the guest's service from a client's side.
 */
export function migrationLab(t: Teardown, options: MigrationLabOptions = {}) {
  const root = mkdtempSync(join(tmpdir(), "xen-ha-mig-"));
  t.teardown(() => {
    cleanupSim(root);
    rmSync(root, { recursive: true, force: true });
  });
  const persona = options.persona ?? "xl-4.17";
  const tool = persona === "xm" ? "xm" : "xl";
  const names = options.hosts ?? ["node1", "node2"];
  const hosts: Record<string, SimHost> = Object.fromEntries(
    names.map((host, i) => [
      host,
      createSimHost({ root, host, persona, timeFactor: options.timeFactor ?? 0.02, addresses: [`10.0.0.${i + 1}`], basePath: "/usr/sbin:/usr/bin:/sbin:/bin" }),
    ]),
  );
  const config = writeSampleConfig({ root, name: "vm1", memoryMiB: options.memoryMiB ?? 256, ...(options.configLines ? { extraLines: options.configLines } : {}) });
  const sim = (host: string): SimHost => {
    const found = hosts[host];
    if (!found) throw new Error(`no host ${host} in this lab`);
    return found;
  };
  const envOf = (host: string) => ({ ...sim(host).env, NODE_OPTIONS: undefined });

  /** What Pacemaker's execd gives XenDomain on `host` (cluster-lab §5), with this lab's PATH and state dir. */
  const agentEnv = (host: string, extra: Env = {}): Env => ({
    ...pacemakerEnv("vm1-rsc", { timeoutMs: 120_000 }),
    OCF_RESKEY_crm_feature_set: "3.16.1",
    PCMK_service: "pacemaker-execd",
    HA_cluster_type: "corosync",
    LC_ALL: "C",
    ...envOf(host),
    NODE_OPTIONS: "",
    HA_RSCTMP: join(root, "rsctmp", host),
    OCF_RESKEY_xmfile: config,
    OCF_RESKEY_CRM_meta_on_node: host,
    OCF_RESKEY_CRM_meta_on_node_uuid: String(names.indexOf(host) + 1),
    OCF_RESKEY_shutdown_timeout: "0",
    ...extra,
  });
  /** The env of migrate_to (on the source) and migrate_from (on the target), as execd passes it. */
  const migrationEnv = (action: "migrate_to" | "migrate_from", source: string, target: string): Env => ({
    OCF_RESKEY_CRM_meta_migrate_source: source,
    OCF_RESKEY_CRM_meta_migrate_target: target,
    ...(action === "migrate_to" ? { OCF_RESKEY_CRM_meta_record_pending: "true" } : {}),
  });

  const lab = {
    root,
    agentEnv,
    /** One XenDomain action on `host`, in this process, with the env Pacemaker would give it. */
    agent: (host: string, action: string, extra: Env = {}): Promise<AgentOutcome> => runXenDomain(action, agentEnv(host, extra)),
    /** migrate_to on `source` then (if it succeeded) migrate_from on `target`, as a Pacemaker transition runs them. */
    async migrate(source: string, target: string, extra: Env = {}): Promise<{ to: AgentOutcome; from: AgentOutcome | undefined }> {
      const to = await runXenDomain("migrate_to", agentEnv(source, { ...migrationEnv("migrate_to", source, target), ...extra }));
      const from = to.code === 0 ? await runXenDomain("migrate_from", agentEnv(target, { ...migrationEnv("migrate_from", source, target), ...extra })) : undefined;
      return { to, from };
    },
    migrationEnv,
    persona,
    tool,
    config,
    hosts,
    envOf,
    /** A tool (xl, xm, ssh, stat) on `host`, through its launcher. */
    run: (host: string, file: string, args: readonly string[], timeoutMs = 60_000): Promise<CommandResult> =>
      runCommand(join(sim(host).binDir, file), args, { timeoutMs, env: envOf(host) }),
    /** The host's toolstack (xl or xm). */
    xl: (host: string, ...args: string[]): Promise<CommandResult> => lab.run(host, tool, args),
    domains: (host: string): DomainFacts[] => listDomains(root, host),
    /** `[name, state]` of every guest on the host, for compact assertions. */
    names: (host: string): [string | null, string][] => listDomains(root, host).map((d) => [d.name, d.state]),
    domain: (host: string, name = "vm1"): DomainFacts | undefined => listDomains(root, host).find((d) => d.name === name),
    knobs: (host: string, knobs: Partial<HostKnobs>): void => setHostKnobs(root, host, knobs),
    guest: (host: string, behaviour: Partial<GuestBehaviour>, name = "vm1"): void => setGuestBehaviour(root, host, name, behaviour),
    port: (): number | undefined => Object.keys(hosts).map((h) => guestServicePort(root, h, "vm1")).find((p) => p !== undefined),

    /** Creates vm1 on `host` and waits until its service answers. */
    async start(host = "node1"): Promise<void> {
      const created = await lab.xl(host, "create", config);
      if (created.exitCode !== 0) throw new Error(`create failed: ${created.stderr}`);
      await lab.untilServing(host);
    },

    /** Waits (bounded) until vm1's service on `host` answers: the guest has booted. */
    async untilServing(host = "node1"): Promise<void> {
      for (let i = 0; i < 400; i++) {
        const port = guestServicePort(root, host, "vm1");
        if (port !== undefined && (await probeService(port))) return;
        await sleep(25);
      }
      throw new Error("vm1's service did not come up");
    },

    /** Runs `action` while a client probes the guest's service every few ms. */
    async watchService<T>(action: () => Promise<T>): Promise<{ result: T; watch: ServiceWatch }> {
      const port = lab.port();
      if (port === undefined) throw new Error("no service port");
      const samples: { at: number; ok: boolean }[] = [];
      let done = false;
      const prober = (async () => {
        while (!done) {
          const at = Date.now();
          samples.push({ at, ok: await probeService(port) });
          await sleep(2);
        }
      })();
      const result = await action();
      // a few more probes: the service must be back
      const until = Date.now() + 400;
      while (Date.now() < until && samples.at(-1)?.ok !== true) await sleep(10);
      done = true;
      await prober;
      const failures = samples.flatMap((s, i) => (s.ok ? [] : [i]));
      const first = failures[0];
      const last = failures.at(-1);
      const after = last === undefined ? undefined : samples.slice(last + 1).find((s) => s.ok);
      return {
        result,
        watch: {
          answered: samples.length - failures.length,
          failed: failures.length,
          contiguous: first === undefined || last === undefined || last - first + 1 === failures.length,
          gapMs: first === undefined ? 0 : (after?.at ?? Date.now()) - (samples[first]?.at ?? 0),
          answersAtEnd: samples.at(-1)?.ok === true,
        },
      };
    },

    /** Polls the ground truth while `action` runs; returns every distinct view `see` gave. */
    async observeDuring<T, V>(action: () => Promise<T>, see: () => V): Promise<{ result: T; seen: V[] }> {
      const seen: V[] = [];
      let done = false;
      const watcher = (async () => {
        while (!done) {
          const view = see();
          if (JSON.stringify(seen.at(-1)) !== JSON.stringify(view)) seen.push(view);
          await sleep(3);
        }
      })();
      const result = await action();
      done = true;
      await watcher;
      return { result, seen };
    },
  };
  return lab;
}

export type MigrationLab = ReturnType<typeof migrationLab>;
