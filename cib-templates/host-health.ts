import { param, type Decoded } from "../lib/ocf/params.ts";
import { clone, locationRule, primitive } from "../lib/cib/author/build.ts";
import { defineTemplate } from "../lib/cib/author/define-template.ts";
import { makeId } from "../lib/cib/model/ids.ts";
import { addressList, listOf } from "../lib/cib/author/variables.ts";
import { domainId, domainOptions, domainResource, domainVariables, hostDomainProblems } from "./parts/domains.ts";
import { ipmiFencing, ipmiVariables, nodesVariable } from "./parts/hosts.ts";

/**
 * Host-health placement (doc/cib.md §2e). Health agents set node
 * attributes whose names start with #health (HealthCPU: #health-cpu,
 * HealthSMART: #health-smart, HealthIOWait: #health-iowait, and ours, XenHost:
 * #health-xen, doc/xen-host.md; any
 * `attrd_updater -n "#health-NAME" -U red` works the same); under
 * node-health-strategy a red (or, with only-green, yellow) host loses its
 * domains. The ping clone sets `pingd`; domains avoid hosts that lost the
 * network. The health clones carry allow-unhealthy-nodes on the clone (on the
 * primitive it has no effect), so they keep watching the host they condemned.
 */
const HEALTH_AGENTS = {
  cpu: "ocf:pacemaker:HealthCPU",
  smart: "ocf:pacemaker:HealthSMART",
  iowait: "ocf:pacemaker:HealthIOWait",
  xen: "ocf:xen-ha:XenHost",
} as const;
type HealthAgent = keyof typeof HEALTH_AGENTS;

const decodeHealthAgent = (raw: string): Decoded<HealthAgent> =>
  raw in HEALTH_AGENTS
    ? { ok: true, value: raw as HealthAgent }
    : { ok: false, problem: `'${raw}' is not one of ${Object.keys(HEALTH_AGENTS).join(", ")}` };

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
    health_strategy: param.select(["migrate-on-red", "only-green"])({
      default: "migrate-on-red",
      shortdesc: "node-health-strategy: leave red hosts, or leave anything not green",
    }),
    health_agents: listOf(decodeHealthAgent)({
      default: "cpu,smart",
      syntax: "cpu|smart|iowait|xen,...",
      shortdesc: "Health agents run on every host (#health-cpu, #health-smart, #health-iowait, #health-xen)",
    }),
    smart_drives: param.string({ default: "/dev/sda", shortdesc: "Drives HealthSMART watches (space-separated)" }),
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
    const healthClones = [...new Set(values.health_agents)].map((name) =>
      clone(
        makeId("health", name, "clone"),
        primitive({
          id: makeId("health", name),
          agent: HEALTH_AGENTS[name],
          params: name === "smart" ? { drives: values.smart_drives } : {},
          // XenHost bounds each check inside its op timeout; it advertises 60 s for a hung toolstack or pool
          ops: [name === "xen" ? { name: "monitor", interval: "30s", timeout: "60s" } : { name: "monitor", interval: "10s", timeout: "10s" }],
        }),
        { "allow-unhealthy-nodes": true },
      ),
    );
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
      resources: [...fencing.resources, ...healthClones, ...ping, ...values.domains.map((d) => domainResource(d, options))],
      constraints: [...fencing.constraints, ...connectivity],
    };
  },
});
