import { join } from "node:path";
import { runCommand, type CommandResult } from "../../lib/exec/command.ts";
import {
  callLog,
  cleanupSim,
  createSimHost,
  listDomains,
  writeSampleConfig,
  type DomainFacts,
  type PersonaId,
} from "../../lib/sim/index.ts";
import { installToTemp, type TempInstall } from "./install-once.ts";
import { withExactEnv } from "./outside-tap.ts";

/** What a daemon's PATH holds besides the simulated host's bin dir: the system tools, no real xl. */
export const SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";
/** 60 s of xl's shutdown ack wait become 3 s; the benchmark uses the same factor for both agents. */
export const INTEGRATION_TIME_FACTOR = 0.05;

export interface SimDomain {
  readonly persona: PersonaId;
  readonly host: string;
  readonly name: string;
  readonly config: string;
  readonly tool: "xl" | "xm";
  /**
   * XEN_SIM_ROOT, XEN_SIM_HOST, PATH (the host's bin dir, then the system's),
   * and HA_RSCTMP under the stage: an agent run through crm_resource,
   * ocf-tester or an lrmd keeps its records there, never in the machine's
   * /run/resource-agents.
   */
  readonly env: Readonly<Record<string, string>>;
  readonly domain: () => DomainFacts | undefined;
  readonly calls: () => number;
  /** The host's own toolstack, to set a scene. */
  readonly toolstack: (...args: string[]) => Promise<CommandResult>;
}

/**
 * The installed agents plus simulated hosts, all under one temporary tree:
 * the integration tests' stage. `domainOn(persona)` gives each persona its
 * own host and domain; `dispose()` kills every simulator process and removes
 * the tree.
 */
export async function installedStage(label: string) {
  const installed: TempInstall = await installToTemp(`xen-ha-${label}-`);
  const simRoot = join(installed.base, "sim");
  const domainOn = (persona: PersonaId, name = `vm-${persona.replace(/\W/g, "")}`): SimDomain => {
    const host = `host-${persona.replace(/\W/g, "")}`;
    const sim = createSimHost({ root: simRoot, host, persona, timeFactor: INTEGRATION_TIME_FACTOR, basePath: SYSTEM_PATH });
    const config = writeSampleConfig({ root: simRoot, name, out: join(simRoot, "shared", `${name}.cfg`) });
    const tool = persona === "xm" ? "xm" : "xl";
    return {
      persona,
      host,
      name,
      config,
      tool,
      env: { ...sim.env, HA_RSCTMP: join(simRoot, "rsctmp", host) },
      domain: () => listDomains(simRoot, host).find((d) => d.name === name),
      calls: () => callLog(simRoot, host).length,
      toolstack: (...args) => {
        const call = withExactEnv(sim.env, tool, args);
        return runCommand(call.file, call.args, { timeoutMs: 30_000 });
      },
    };
  };
  return {
    installed,
    simRoot,
    agent: installed.agentPath("XenDomain"),
    domainOn,
    dispose: () => {
      cleanupSim(simRoot);
      installed.remove();
    },
  };
}
