import { param, type Decoded } from "../../lib/ocf/params.ts";
import { clone, primitive, type Pairs } from "../../lib/cib/author/build.ts";
import { makeId } from "../../lib/cib/model/ids.ts";
import { listOf } from "../../lib/cib/author/variables.ts";
import type { Xml } from "../../lib/xml/xml.ts";

/**
 * Health agents as clones on every host (doc/cib.md §2e). Each sets a node
 * attribute whose name starts with #health (HealthCPU: #health-cpu,
 * HealthSMART: #health-smart, HealthIOWait: #health-iowait, and ours, XenHost:
 * #health-xen, doc/xen-host.md; any `attrd_updater -n "#health-NAME" -U red`
 * works the same); under node-health-strategy a red (or, with only-green,
 * yellow) host loses its domains: by live migration where they have
 * allow-migrate (the capacity templates), by stop and start elsewhere
 * otherwise. The clones carry allow-unhealthy-nodes on the clone (on the
 * primitive it has no effect), so they keep watching the host they condemned.
 */
const HEALTH_AGENTS = {
  cpu: "ocf:pacemaker:HealthCPU",
  smart: "ocf:pacemaker:HealthSMART",
  iowait: "ocf:pacemaker:HealthIOWait",
  xen: "ocf:xen-ha:XenHost",
} as const;
export type HealthAgent = keyof typeof HEALTH_AGENTS;

const decodeHealthAgent = (raw: string): Decoded<HealthAgent> =>
  raw in HEALTH_AGENTS
    ? { ok: true, value: raw as HealthAgent }
    : { ok: false, problem: `'${raw}' is not one of ${Object.keys(HEALTH_AGENTS).join(", ")}` };

/** The health variables; `agents` is the template's default list ("" for none). */
export const healthVariables = (agents: string) => ({
  health_strategy: param.select(["migrate-on-red", "only-green"])({
    default: "migrate-on-red",
    shortdesc: "node-health-strategy: leave red hosts, or leave anything not green",
  }),
  health_agents: listOf(decodeHealthAgent)({
    default: agents,
    syntax: "cpu|smart|iowait|xen,...",
    shortdesc: `Health agents run on every host (#health-cpu, #health-smart, #health-iowait, #health-xen)${agents === "" ? "; empty: none" : ""}`,
  }),
  smart_drives: param.string({ default: "/dev/sda", shortdesc: "Drives HealthSMART watches (space-separated)" }),
});

export interface HealthValues {
  readonly health_strategy: string;
  readonly health_agents: readonly HealthAgent[];
  readonly smart_drives: string;
}

/**
 * One clone per agent named, and node-health-strategy when there is any.
 * `xenHostParams`: XenHost's parameters here (the capacity templates have it
 * compute its memory reserve from the CIB's utilization and claim).
 */
export function healthParts(values: HealthValues, xenHostParams: Pairs = {}): { readonly properties: Pairs; readonly resources: Xml[] } {
  const agents = [...new Set(values.health_agents)];
  const resources = agents.map((name) =>
    clone(
      makeId("health", name, "clone"),
      primitive({
        id: makeId("health", name),
        agent: HEALTH_AGENTS[name],
        params: name === "smart" ? { drives: values.smart_drives } : name === "xen" ? xenHostParams : {},
        // XenHost bounds each check inside its op timeout; it advertises 60 s for a hung toolstack or pool
        ops: [name === "xen" ? { name: "monitor", interval: "30s", timeout: "60s" } : { name: "monitor", interval: "10s", timeout: "10s" }],
      }),
      { "allow-unhealthy-nodes": true },
    ),
  );
  return { properties: agents.length > 0 ? { "node-health-strategy": values.health_strategy } : {}, resources };
}
