import type { AgentDocs } from "../lib/ocf/define-agent.ts";
import type { FenceAgentDocs } from "../lib/fence/fence-metadata.ts";
import { fenceXenDocs } from "./fence-xen/agent.ts";
import { xenDomain } from "./xen-domain/agent.ts";
import { xenHost } from "./xen-host/agent.ts";
import { OCF_PROVIDER } from "./provider.ts";

export { OCF_PROVIDER };

/**
 * Every OCF agent xen-ha ships. The installer, the conformance tests and the
 * CIB checks read this list; importing it builds (and so checks) each definition.
 */
export const ocfAgents: readonly AgentDocs[] = [xenDomain, xenHost];

/**
 * Every fence agent xen-ha ships (fence-agents protocol), installed as
 * sbin/<name>, where Pacemaker looks for fence_* agents.
 */
export const fenceAgents: readonly FenceAgentDocs[] = [fenceXenDocs];

/** cluster-glue external stonith plugins: installed as <stonith dir>/<name>, run from the compiled `entry`. */
export const stonithPlugins: readonly { readonly name: string; readonly entry: string }[] = [
  { name: "xen-ha", entry: "bin/stonith-xen-ha.js" },
];

/**
 * Everything above as one value: what the program composing the `xen-ha`
 * command (bin/xen-ha.ts) hands to the installer and the CIB tools, which
 * live in lib/ and never import this folder.
 */
export const registry = { provider: OCF_PROVIDER, ocfAgents, fenceAgents, stonithPlugins } as const;
