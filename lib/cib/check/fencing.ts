import { type Cib, type PrimitiveDef } from "../model/model.ts";
import { isTrue, metaValue, pairValue, property } from "../model/queries.ts";
import { isDomainAgent } from "../plan/placement.ts";
import { error, type Problem } from "../model/problem.ts";

/**
 * A domain may run twice unless every host can be fenced: fencing must be
 * enabled, and each node needs a device whose host list or map names it
 * (a device with neither asks its agent, so it is assumed to reach every host).
 */

/** Hosts a device declares it can fence, or undefined when it leaves that to its agent. */
export function deviceTargets(device: PrimitiveDef): readonly string[] | undefined {
  const list = pairValue(device.params, "pcmk_host_list");
  const map = pairValue(device.params, "pcmk_host_map");
  if (list === undefined && map === undefined) return undefined;
  const listed = (list ?? "").split(/[\s,;]+/).filter(Boolean);
  const mapped = (map ?? "")
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((entry) => entry.split(/[:=]/)[0] ?? "");
  return [...listed, ...mapped];
}

export const fenceDevices = (cib: Cib): PrimitiveDef[] => cib.primitives.filter((p) => p.agent.startsWith("stonith:"));

export function fencingProblems(cib: Cib): Problem[] {
  const enabled = property(cib, "stonith-enabled");
  const where = "crm_config";
  if (enabled !== undefined && !isTrue(enabled)) {
    const line = cib.properties.find((p) => p.name === "stonith-enabled")?.line;
    return [
      error(`${where} stonith-enabled`, line, "fencing is disabled: after a host failure its domains may be started while they still run there", "set stonith-enabled=true and configure a fence device per host"),
    ];
  }
  const devices = fenceDevices(cib);
  if (devices.length === 0) {
    return [error("resources", undefined, "no fence device is configured: Pacemaker will not start any resource", "add a stonith resource for every host (see the host-fencing template)")];
  }
  const targets = devices.map(deviceTargets);
  if (targets.some((t) => t === undefined)) return [];
  const covered = new Set(targets.flat());
  return cib.nodes
    .filter((node) => !covered.has(node.uname))
    .map((node) =>
      error(`node ${node.uname}`, node.line, `no fence device can fence ${node.uname} (none lists it in pcmk_host_list or pcmk_host_map)`, `add a fence device for ${node.uname}, or add it to a device's pcmk_host_list`),
    );
}

/**
 * Settings that keep fencing configured but let Pacemaker act without it
 * (Pacemaker Explained, "Resource Meta-Attributes" and "Cluster Options"):
 * requires=quorum or nothing on a domain starts it elsewhere before its failed
 * host is fenced; no-quorum-policy=ignore lets a partition without quorum start
 * what the other side still runs; startup-fencing=false takes nodes never seen
 * as clean. crm_verify accepts all three.
 */
export function fencingWeakeningProblems(cib: Cib): Problem[] {
  const problems: Problem[] = [];
  for (const domain of cib.primitives.filter((p) => isDomainAgent(p.agent))) {
    const requires = metaValue(cib, domain, "requires");
    if (requires === undefined || ["fencing", "unfencing"].includes(requires)) continue;
    const line = [...domain.meta, ...cib.rscDefaults].find((p) => p.name === "requires")?.line ?? domain.line;
    problems.push(
      error(`primitive ${domain.id}`, line, `requires=${requires}: after a host failure Pacemaker may start ${domain.id} elsewhere before the failed host is fenced, so it can run twice`, "remove requires (it defaults to fencing when fencing is enabled)"),
    );
  }
  const option = (name: string) => cib.properties.find((p) => p.name === name);
  const noQuorum = option("no-quorum-policy");
  if (noQuorum && noQuorum.value.toLowerCase() === "ignore") {
    problems.push(error("crm_config no-quorum-policy", noQuorum.line, "no-quorum-policy=ignore: a partition without quorum keeps starting domains the other partition may still run", "use stop (the default) or freeze; for two hosts, corosync's two_node: 1 keeps quorum instead"));
  }
  const startup = option("startup-fencing");
  if (startup && !isTrue(startup.value)) {
    problems.push(error("crm_config startup-fencing", startup.line, "startup-fencing=false: a host the cluster has never seen is taken as clean, so domains it may run are started elsewhere", "remove startup-fencing (it defaults to true)"));
  }
  return problems;
}
