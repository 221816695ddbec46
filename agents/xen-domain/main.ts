import { runAgent, type AgentIo, type AgentRun } from "../../lib/ocf/run-agent.ts";
import { xenDomain } from "./agent.ts";

/** Composition root: real command runner and toolstack behind the XenDomain definition. */
export function xenDomainMain(io: AgentIo): Promise<AgentRun> {
  return runAgent(xenDomain, io, () => ({}));
}
