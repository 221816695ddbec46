import type { RegisteredAgent } from "../model/agents.ts";
import type { Cib } from "../model/model.ts";
import { pairValue } from "../model/queries.ts";
import { error, type Problem } from "../model/problem.ts";
import { allowedNodes } from "./placement.ts";

/**
 * Parameters that name a node attribute (declared with namesNodeAttribute,
 * e.g. XenDomain's node_ip_attribute) need it on every node the resource may
 * run on: migrate_to reads it on the target, and a node without it fails the
 * migration, which Pacemaker then recovers by stopping the domain.
 */
/** `agents`: the agents xen-ha ships (their parameter declarations say which name a node attribute). */
export function nodeAttributeProblems(cib: Cib, agents: readonly RegisteredAgent[]): Problem[] {
  const problems: Problem[] = [];
  let allowed: ((id: string) => readonly string[] | undefined) | undefined;
  for (const primitive of cib.primitives) {
    const agent = agents.find((a) => a.key === primitive.agent);
    if (!agent) continue;
    for (const [name, param] of Object.entries(agent.params)) {
      const attribute = param.namesNodeAttribute ? pairValue(primitive.params, name) : undefined;
      if (attribute === undefined || attribute === "") continue;
      allowed ??= allowedNodes(cib);
      const nodes = allowed(primitive.id) ?? cib.nodes.map((n) => n.uname);
      const lacking = cib.nodes.filter((n) => nodes.includes(n.uname) && pairValue(n.attributes, attribute) === undefined).map((n) => n.uname);
      if (lacking.length === 0) continue;
      const line = primitive.params.find((p) => p.name === name)?.line ?? primitive.line;
      problems.push(
        error(`primitive ${primitive.id}`, line, `${name}=${attribute}, but node${lacking.length === 1 ? "" : "s"} ${lacking.join(", ")} ${lacking.length === 1 ? "has" : "have"} no attribute ${attribute}: ${agent.name} cannot read it there`, `add <nvpair name="${attribute}" value="..."/> to the instance_attributes of ${lacking.join(", ")}`),
      );
    }
  }
  return problems;
}
