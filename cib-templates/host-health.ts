import { clone, locationRule, primitive } from "../lib/cib/author/build.ts";
import { defineTemplate } from "../lib/cib/author/define-template.ts";
import { makeId } from "../lib/cib/model/ids.ts";
import { addressList } from "../lib/cib/author/variables.ts";
import { domainId, domainOptions, domainResource, domainVariables, hostDomainProblems } from "./parts/domains.ts";
import { healthParts, healthVariables } from "./parts/health.ts";
import { ipmiFencing, ipmiVariables, nodesVariable } from "./parts/hosts.ts";

/**
 * Host-health placement (doc/cib.md §2e): health clones (parts/health.ts)
 * and node-health-strategy move domains off a red host. The ping clone sets
 * `pingd`; domains avoid hosts that lost the network. The domains here have no
 * shared storage, so a red host's domains stop and start elsewhere; the
 * capacity templates with health_agents drain them by live migration.
 */
export const PING_ATTRIBUTE = "pingd";

export const hostHealth = defineTemplate({
  name: "host-health",
  description: "Domains leave hosts whose health turns red or that lose the network",
  protects: [
    "a failing host (CPU starved, disk failing, I/O stalled): its domains move before it dies",
    "a host cut off from the network: its domains move to a connected host",
    "domains starting on a condemned host: unhealthy hosts take no domains",
  ],
  variables: {
    nodes: nodesVariable("xen01,xen02,xen03", 2),
    ...healthVariables("cpu,smart"),
    ping_hosts: addressList({
      default: "",
      syntax: "ADDRESS,...",
      shortdesc: "Addresses the ping clone checks (empty: no connectivity rule)",
      longdesc: `Domains are kept off hosts where the ${PING_ATTRIBUTE} attribute is missing or 0.`,
    }),
    ...domainVariables,
    ...ipmiVariables,
  },
  crossCheck(values) {
    return hostDomainProblems(values);
  },
  render(values) {
    const fencing = ipmiFencing(values.nodes, values);
    const health = healthParts(values);
    const pinging = values.ping_hosts.length > 0;
    const ping = pinging
      ? [
          clone(
            "ping-clone",
            primitive({
              id: "ping",
              agent: "ocf:pacemaker:ping",
              params: { host_list: values.ping_hosts.join(" "), multiplier: 1000, dampen: "5s", name: PING_ATTRIBUTE },
              ops: [{ name: "monitor", interval: "10s", timeout: "60s" }],
            }),
            { "allow-unhealthy-nodes": true },
          ),
        ]
      : [];
    const options = domainOptions(values);
    const connectivity = pinging
      ? values.domains.map((domain) =>
          locationRule(makeId(domainId(domain.name), "connected"), domainId(domain.name), {
            score: "-INFINITY",
            booleanOp: "or",
            expressions: [
              { attribute: PING_ATTRIBUTE, operation: "not_defined" },
              { attribute: PING_ATTRIBUTE, operation: "lte", value: "0", type: "number" },
            ],
          }),
        )
      : [];
    return {
      properties: { "node-health-strategy": values.health_strategy },
      nodes: values.nodes.map((name) => ({ name })),
      resources: [...fencing.resources, ...health.resources, ...ping, ...values.domains.map((d) => domainResource(d, options))],
      constraints: [...fencing.constraints, ...connectivity],
    };
  },
});
