import { registry } from "../../../../agents/index.ts";
import { agentCatalog } from "../../../../lib/cib/model/agents.ts";

/** The catalog of the agents this package ships, as bin/xen-ha.ts hands it to the CIB tools. */
export const shippedAgents = agentCatalog(registry);
