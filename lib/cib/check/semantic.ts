import { agentProblems } from "./agent-params.ts";
import { capacityProblems } from "./capacity.ts";
import { durationProblems } from "./durations.ts";
import { fencingProblems, fencingWeakeningProblems } from "./fencing.ts";
import { migrationProblems } from "./migration.ts";
import { nodeAttributeProblems } from "./node-attributes.ts";
import { placementProblems } from "./placement.ts";
import { storageProblems } from "./storage.ts";
import { structureProblems } from "./structure.ts";
import type { AgentCatalog } from "../model/agents.ts";
import type { Cib } from "../model/model.ts";
import type { Problem } from "../model/problem.ts";

/**
 * `xen-ha cib check`'s own checks, in the order an admin should fix things (ids
 * and references first, then agents, fencing, migration, capacity); check.ts
 * adds Pacemaker's crm_verify. Apart from it so that the command, without
 * crm_verify, loads neither the tool runner nor fast-xml-parser.
 * `agents`: the catalog of the agents xen-ha ships, whose declarations the resources are checked against.
 */
export function semanticProblems(cib: Cib, agents: AgentCatalog): Problem[] {
  const structure = structureProblems(cib);
  return [
    ...structure,
    ...agentProblems(cib, agents),
    ...durationProblems(cib),
    ...fencingProblems(cib),
    ...fencingWeakeningProblems(cib),
    ...storageProblems(cib),
    ...migrationProblems(cib, agents),
    ...nodeAttributeProblems(cib, agents.agents),
    ...placementProblems(cib),
    ...capacityProblems(cib),
  ];
}
