import type { AgentDocs } from "../lib/ocf/define-agent.ts";
import { xenDomain } from "./xen-domain/agent.ts";

/** The provider directory under $OCF_ROOT/resource.d/ and the CIB's provider="..." value. */
export const OCF_PROVIDER = "xen-ha";

/**
 * Every OCF agent xen-ha ships. The installer, the conformance tests and the
 * CIB checks read this list; importing it builds (and so checks) each definition.
 */
export const ocfAgents: readonly AgentDocs[] = [xenDomain];
