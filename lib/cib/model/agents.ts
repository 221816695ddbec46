import type { AdvertisedAction, AgentDocs, Duration } from "../../ocf/define-agent.ts";
import type { FenceAgentDocs } from "../../fence/fence-metadata.ts";
import type { Params } from "../../ocf/params.ts";

/**
 * The agents xen-ha ships, keyed as a CIB names them (`ocf:xen-ha:XenDomain`,
 * `stonith:fence_xen`). Checks, the importer and templates read parameter
 * declarations and advertised timeouts from a catalog built from the agent
 * registry; lib/ never imports the registry itself: the program that composes
 * the CLI (bin/) passes it in, so a new agent in the registry is covered
 * without code changes here.
 */
export interface AgentRegistry {
  /** The provider directory and the CIB's provider="..." of the OCF agents. */
  readonly provider: string;
  readonly ocfAgents: readonly Pick<AgentDocs, "name" | "params" | "advertised">[];
  readonly fenceAgents: readonly Pick<FenceAgentDocs, "name" | "params">[];
}

export interface RegisteredAgent {
  readonly key: string;
  readonly name: string;
  readonly params: Params;
  readonly advertised: readonly AdvertisedAction[];
  /** Fence devices also take Pacemaker's own pcmk_* instance attributes. */
  readonly fencing: boolean;
}

export interface AgentCatalog {
  readonly provider: string;
  readonly agents: readonly RegisteredAgent[];
}

export const agentCatalog = (registry: AgentRegistry): AgentCatalog => ({
  provider: registry.provider,
  agents: [
    ...registry.ocfAgents.map((agent) => ({
      key: `ocf:${registry.provider}:${agent.name}`,
      name: agent.name,
      params: agent.params,
      advertised: agent.advertised,
      fencing: false,
    })),
    // Fence agents advertise no operation timeouts here: pcmk_<action>_timeout and stonith-timeout rule them.
    ...registry.fenceAgents.map((agent) => ({
      key: `stonith:${agent.name}`,
      name: agent.name,
      params: agent.params,
      advertised: [],
      fencing: true,
    })),
  ],
});

export const findAgent = (catalog: AgentCatalog, key: string): RegisteredAgent | undefined =>
  catalog.agents.find((agent) => agent.key === key);

type Advertising = { readonly advertised: readonly AdvertisedAction[] };

/** The timeout an agent advertises for an action (its first entry, in meta-data order). */
export function advertisedTimeout(agent: Advertising, action: string): Duration | undefined {
  return agent.advertised.find((entry) => entry.name === action)?.timeout;
}

/** The agent's advertised monitor interval, when it advertises one. */
export function advertisedInterval(agent: Advertising, action: string): Duration | undefined {
  return agent.advertised.find((entry) => entry.name === action && entry.interval !== undefined)?.interval;
}

/** Pacemaker's fencer options, valid on every stonith resource (pacemaker-fenced metadata, 2.1.5). */
export const FENCER_PARAMS: ReadonlySet<string> = new Set([
  "pcmk_host_argument",
  "pcmk_host_map",
  "pcmk_host_list",
  "pcmk_host_check",
  "pcmk_delay_max",
  "pcmk_delay_base",
  "pcmk_action_limit",
  ...["reboot", "off", "on", "list", "monitor", "status"].flatMap((action) => [
    `pcmk_${action}_action`,
    `pcmk_${action}_timeout`,
    `pcmk_${action}_retries`,
  ]),
]);
