import { param } from "../lib/ocf/params.ts";
import { location } from "../lib/cib/author/build.ts";
import { defineTemplate } from "../lib/cib/author/define-template.ts";
import { makeId } from "../lib/cib/model/ids.ts";
import { domainId, domainOptions, domainResource, domainVariables, hostDomainProblems } from "./parts/domains.ts";
import { ipmiFencing, ipmiVariables, nodesVariable } from "./parts/hosts.ts";

/**
 * Active-Passive cold failover (doc/cib.md §2a): two hosts, the domains
 * prefer the active one; when it fails it is fenced, then the domains are
 * started on the passive host. Stickiness above the preference keeps them
 * there when the failed host comes back.
 */
export const activePassive = defineTemplate({
  name: "active-passive",
  description: "Two hosts; the domains run on the active host and are restarted on the other one after a failure",
  protects: [
    "a host crash or power loss: the host is fenced, then its domains start on the other host",
    "a domain that crashes: it is restarted, and moved to the other host after migration_threshold failures",
    "a returning host taking its domains back by surprise: they stay where they run (stickiness)",
  ],
  variables: {
    nodes: nodesVariable("xen01,xen02", 2, 2),
    active_node: param.string({
      shortdesc: "The host the domains prefer (default: the first node)",
    }),
    preference: param.integer()({
      default: 50,
      shortdesc: "Score of the preference for the active host (keep it below stickiness)",
    }),
    ...domainVariables,
    ...ipmiVariables,
  },
  crossCheck(values) {
    return [
      ...hostDomainProblems(values),
      ...(values.active_node !== undefined && !values.nodes.includes(values.active_node)
        ? [`active_node: '${values.active_node}' is not one of the nodes (${values.nodes.join(", ")})`]
        : []),
      ...(values.preference >= values.stickiness
        ? [`preference: ${values.preference} is not below stickiness ${values.stickiness}; domains would move back after a failover`]
        : []),
    ];
  },
  render(values) {
    const active = values.active_node ?? values.nodes[0] ?? "";
    const fencing = ipmiFencing(values.nodes, values);
    const options = domainOptions(values);
    return {
      nodes: values.nodes.map((name) => ({ name })),
      resources: [...fencing.resources, ...values.domains.map((domain) => domainResource(domain, options))],
      constraints: [
        ...fencing.constraints,
        ...values.domains.map((domain) =>
          location(makeId(domainId(domain.name), "prefers", active), domainId(domain.name), active, values.preference),
        ),
      ],
    };
  },
});
