import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand, type CommandResult } from "../../lib/exec/command.ts";
import {
  callLog,
  cleanupSim,
  createSimHost,
  listDomains,
  writeSampleConfig,
  type CallLogEntry,
  type DomainFacts,
  type PersonaId,
  type SimHostOptions,
} from "../../lib/sim/index.ts";
import type { XenDomainOverrides } from "../../agents/xen-domain/main.ts";
import { legacyEnv, pacemakerEnv, runXenDomain, type AgentOutcome, type Env } from "./run-agent-in-process.ts";

/** Time factor for agent tests: 60 s of xl's ack wait become 3 s, a 2 s reboot gap 100 ms. */
export const TEST_TIME_FACTOR = 0.05;

/** What the agent's PATH holds besides the simulated host's bin dir: crm_resource, but no real xl. */
const SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

export interface SimResourceOptions {
  readonly persona?: PersonaId;
  readonly name?: string;
  readonly memoryMiB?: number;
  readonly type?: "pv" | "pvh" | "hvm";
  /** Extra xl.cfg lines appended to the sample config (later settings win). */
  readonly configLines?: readonly string[];
  readonly host?: Omit<SimHostOptions, "root" | "host" | "persona">;
  /** "pacemaker" (OCF 1.1, CRM_meta_*; the default) or "legacy" (the Heartbeat lrmd's OCF 1.0, no CRM_meta). */
  readonly profile?: "pacemaker" | "legacy";
}

/**
 * One XenDomain resource on its own simulated host, in its own temporary root:
 * `run(action)` runs the agent in-process with the environment the LRM would
 * give it; `xl(...)` runs the host's toolstack directly (setup, fault
 * injection); `domains()`/`calls()` are the simulator's ground truth.
 * Call `dispose()` in teardown: it kills every process the simulator started.
 */
export function simResource(options: SimResourceOptions = {}) {
  const root = mkdtempSync(join(tmpdir(), "xen-ha-agent-"));
  const host = "node1";
  const persona = options.persona ?? "xl-4.17";
  const name = options.name ?? "vm1";
  const sim = createSimHost({ root, host, persona, timeFactor: TEST_TIME_FACTOR, basePath: SYSTEM_PATH, ...options.host });
  const config = writeSampleConfig({
    root,
    name,
    memoryMiB: options.memoryMiB ?? 512,
    ...(options.type ? { type: options.type } : {}),
    ...(options.configLines ? { extraLines: options.configLines } : {}),
  });
  const profile = options.profile === "legacy" ? legacyEnv(`${name}-rsc`) : pacemakerEnv(`${name}-rsc`);
  const env: Env = {
    ...profile,
    ...sim.env,
    // tap hands its hooks to child Node processes through NODE_OPTIONS; the simulated xl needs none.
    NODE_OPTIONS: "",
    HA_RSCTMP: join(root, "rsctmp"),
    OCF_RESKEY_xmfile: config,
  };
  const tool = persona === "xm" ? "xm" : "xl";
  return {
    root,
    host,
    persona,
    name,
    config,
    tool,
    env,
    /** Runs one action; `extra` adds or (with undefined) removes variables. */
    run: (action: string, extra: Env = {}, overrides: XenDomainOverrides = {}): Promise<AgentOutcome> =>
      runXenDomain(action, { ...env, ...extra }, overrides),
    /** The host's own toolstack, for setting a scene (`xl pause vm1`). */
    xl: (...args: string[]): Promise<CommandResult> => runCommand(tool, args, { timeoutMs: 30_000, env }),
    domains: (): DomainFacts[] => listDomains(root, host),
    domain: (): DomainFacts | undefined => listDomains(root, host).find((d) => d.name === name),
    calls: (): CallLogEntry[] => callLog(root, host),
    dispose: (): void => {
      cleanupSim(root);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export type SimResource = ReturnType<typeof simResource>;
