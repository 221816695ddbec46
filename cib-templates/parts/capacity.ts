import { param } from "../../lib/ocf/params.ts";
import { location } from "../../lib/cib/build.ts";
import { CLAIM_OPTIONS } from "../../lib/cib/claims.ts";
import type { CibParts, NodeSpec } from "../../lib/cib/define-template.ts";
import { makeId } from "../../lib/cib/ids.ts";
import { domainId, domainOptions, domainResource, type DomainSpec } from "./domains.ts";
import { ipmiFencing, type IpmiValues } from "./hosts.ts";

/**
 * Capacity-planned clusters (cib-templates.md §2c): hosts and domains carry
 * utilization (hv_memory in MiB, cpu), the placement strategy makes Pacemaker
 * honour it, and domain priorities decide who runs when not everything fits.
 * Without priorities a second failure evicts domains that were already
 * recovered, in favour of the ones that just lost their host.
 */
export const capacityVariables = {
  node_memory: param.integer({ min: 1 })({
    default: 14336,
    shortdesc: "MiB of each host's memory available to domains (what is left after dom0)",
  }),
  node_cpus: param.integer({ min: 1 })({ default: 16, shortdesc: "Physical CPUs of each host available to domains" }),
  domain_memory: param.integer({ min: 1 })({ default: 2048, shortdesc: "MiB of a domain whose list entry gives none" }),
  domain_vcpus: param.integer({ min: 1 })({ default: 1, shortdesc: "Virtual CPUs of a domain whose list entry gives none" }),
  default_priority: param.integer()({
    default: 0,
    shortdesc: "Priority of a domain whose list entry gives none (higher runs first when hosts are short)",
  }),
  protected_priority: param.integer()({
    default: 0,
    shortdesc: "Domains below this priority are best effort: the redundancy claim does not cover them",
  }),
  placement_strategy: param.select(["balanced", "utilization", "minimal"])({
    default: "balanced",
    shortdesc: "Pacemaker placement-strategy (balanced spreads the load, minimal packs it)",
  }),
};

export interface CapacityValues extends IpmiValues {
  readonly node_memory: number;
  readonly node_cpus: number;
  readonly domain_memory: number;
  readonly domain_vcpus: number;
  readonly default_priority: number;
  readonly protected_priority: number;
  readonly placement_strategy: string;
  readonly domains: readonly DomainSpec[];
  readonly config_path: string;
  readonly stickiness: number;
  readonly migration_threshold: number;
  readonly stop_timeout: number;
}

/** Scores: home above spare, and stickiness (default 100) above both, so nothing moves back by itself. */
export const HOME_SCORE = 60;
export const SPARE_SCORE = 30;

export function capacityCluster(spec: {
  readonly active: readonly string[];
  readonly spares: readonly string[];
  readonly failuresTolerated: number;
  readonly values: CapacityValues;
}): CibParts {
  const { active, spares, values } = spec;
  const hosts = [...active, ...spares];
  const nodes: NodeSpec[] = hosts.map((name) => ({
    name,
    utilization: { hv_memory: values.node_memory, cpu: values.node_cpus },
  }));
  const fencing = ipmiFencing(hosts, values);
  const options = domainOptions(values);
  const domains = values.domains.map((domain) =>
    domainResource(domain, {
      ...options,
      priority: domain.priority ?? values.default_priority,
      utilization: { hv_memory: domain.memory ?? values.domain_memory, cpu: domain.vcpus ?? values.domain_vcpus },
    }),
  );
  const preferences = values.domains.flatMap((domain, i) => {
    const id = domainId(domain.name);
    const home = active[i % active.length] ?? "";
    return [
      location(makeId(id, "prefers", home), id, home, HOME_SCORE),
      ...spares.map((spare) => location(makeId(id, "spare", spare), id, spare, SPARE_SCORE)),
    ];
  });
  return {
    properties: {
      "placement-strategy": values.placement_strategy,
      [CLAIM_OPTIONS.failuresTolerated]: spec.failuresTolerated,
      [CLAIM_OPTIONS.protectedPriority]: values.protected_priority === 0 ? undefined : values.protected_priority,
    },
    nodes,
    resources: [...fencing.resources, ...domains],
    constraints: [...fencing.constraints, ...preferences],
  };
}

export function stickinessProblems(stickiness: number): string[] {
  return stickiness > HOME_SCORE - SPARE_SCORE
    ? []
    : [`stickiness: ${stickiness} must exceed ${HOME_SCORE - SPARE_SCORE}, or recovered domains move back by themselves`];
}
