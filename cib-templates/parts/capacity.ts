import { param, type Decoded } from "../../lib/ocf/params.ts";
import { colocation, location } from "../../lib/cib/author/build.ts";
import { CLAIM_OPTIONS, QUORUM_OPTIONS } from "../../lib/cib/model/claims.ts";
import type { CibParts, RenderContext } from "../../lib/cib/author/define-template.ts";
import { makeId } from "../../lib/cib/model/ids.ts";
import { listOf } from "../../lib/cib/author/variables.ts";
import { domainId, domainOptions, domainResource, type DomainSpec } from "./domains.ts";
import { healthParts, healthVariables, type HealthValues } from "./health.ts";
import { ipmiFencing, type IpmiValues } from "./hosts.ts";
import { liveMigration, type MigrationValues } from "./migration.ts";

/** A `separate` group: two or more domain names joined by "+", e.g. "db1+db2". */
function decodeGroup(raw: string): Decoded<readonly string[]> {
  const names = raw.split("+");
  if (names.some((name) => name === "")) return { ok: false, problem: `'${raw}' has an empty name (join names with single '+')` };
  if (names.length < 2) return { ok: false, problem: `'${raw}' names one domain; a group keeps two or more apart` };
  return { ok: true, value: names };
}

/**
 * Capacity-planned clusters (doc/cib.md §2c): hosts and domains carry
 * utilization (hv_memory in MiB, cpu), the placement strategy makes Pacemaker
 * honour it, and domain priorities decide who runs when not everything fits.
 * The domains live-migrate on the live-migration template's storage
 * (parts/migration.ts), so standby, a move or draining a host never restarts
 * them; a failed host is still fenced before its domains start elsewhere.
 * Being colocated with the storage clone also orders them: a domain whose host
 * failed scores -INFINITY there, so among equal priorities the domains still
 * running are placed first and a second failure does not evict the ones
 * already recovered (doc/cib.md §2c).
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
  quorum: param.select(["majority", ...QUORUM_OPTIONS])({
    default: "majority",
    shortdesc: "How corosync keeps quorum: majority of all hosts, or the votequorum option set in corosync.conf",
    longdesc:
      "With a plain majority, losing half or more of the hosts loses quorum and Pacemaker stops every domain, " +
      "so a claim of that many failures needs last_man_standing, auto_tie_breaker or (two hosts) two_node in corosync.conf.",
  }),
  placement_strategy: param.select(["balanced", "utilization", "minimal"])({
    default: "balanced",
    shortdesc: "Pacemaker placement-strategy (balanced spreads the load, minimal packs it)",
  }),
  ...healthVariables(""),
  separate: listOf(decodeGroup)({
    default: "",
    syntax: "NAME+NAME[+NAME...],...",
    shortdesc: "Groups of domains that must never share a host (e.g. db1+db2: two replicas of one database)",
    longdesc:
      "Each group becomes mandatory anti-colocations (score -INFINITY) between its members: rather than share a host, " +
      "a domain stays stopped. The first name in a group is placed first, so when hosts are short the later ones stop.",
  }),
};

export interface CapacityValues extends IpmiValues, MigrationValues, HealthValues {
  readonly node_memory: number;
  readonly node_cpus: number;
  readonly domain_memory: number;
  readonly domain_vcpus: number;
  readonly default_priority: number;
  readonly protected_priority: number;
  readonly placement_strategy: string;
  readonly quorum: string;
  readonly separate: readonly (readonly string[])[];
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
  readonly context: RenderContext;
}): CibParts {
  const { active, spares, values } = spec;
  const hosts = [...active, ...spares];
  const live = liveMigration(hosts, values.domains.map((domain) => domainId(domain.name)), spec.context, values);
  const nodes = live.nodes.map((node) => ({ ...node, utilization: { hv_memory: values.node_memory, cpu: values.node_cpus } }));
  const fencing = ipmiFencing(hosts, values);
  // A red host drains by live migration (the domains have allow-migrate); XenHost's reserve reads this claim
  const health = healthParts(values, { reserve_from_cib: true });
  const options = { ...domainOptions(values), ...live.domainOptions };
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
  // Pairwise, later members with earlier ones: Pacemaker places the with-rsc first, so the first named wins a
  // short host. Not a resource set: Pacemaker 2.1 ignores a lone set with sequential="false".
  const separations = values.separate.flatMap((group) =>
    group.flatMap((name, i) =>
      group.slice(0, i).map((earlier) => {
        const [rsc, withRsc] = [domainId(name), domainId(earlier)];
        return colocation({ id: makeId(rsc, "apart-from", withRsc), rsc, withRsc, score: "-INFINITY" });
      }),
    ),
  );
  return {
    properties: {
      "placement-strategy": values.placement_strategy,
      [CLAIM_OPTIONS.failuresTolerated]: spec.failuresTolerated,
      [CLAIM_OPTIONS.protectedPriority]: values.protected_priority === 0 ? undefined : values.protected_priority,
      [CLAIM_OPTIONS.quorum]: values.quorum === "majority" ? undefined : values.quorum,
      ...health.properties,
    },
    nodes,
    resources: [...fencing.resources, ...live.resources, ...health.resources, ...domains],
    constraints: [...fencing.constraints, ...live.constraints, ...preferences, ...separations],
  };
}

export function stickinessProblems(stickiness: number): string[] {
  return stickiness > HOME_SCORE - SPARE_SCORE
    ? []
    : [`stickiness: ${stickiness} must exceed ${HOME_SCORE - SPARE_SCORE}, or recovered domains move back by themselves`];
}

/** `separate` names listed domains, each at most once, in groups that can all run at the same time. */
export function separateProblems(values: { readonly separate: readonly (readonly string[])[]; readonly domains: readonly DomainSpec[] }, hosts: number): string[] {
  const known = new Set(values.domains.map((domain) => domain.name));
  const groupOf = new Map<string, string>();
  return values.separate.flatMap((group) => {
    const text = group.join("+");
    const problems = group.flatMap((name, i) => {
      if (!known.has(name)) return [`separate: '${name}' in '${text}' is not one of the domains`];
      if (group.indexOf(name) !== i) return [`separate: '${name}' is listed twice in '${text}'`];
      const other = groupOf.get(name);
      groupOf.set(name, text);
      return other === undefined ? [] : [`separate: '${name}' is in two groups ('${other}' and '${text}'); join them into one`];
    });
    if (group.length > hosts) problems.push(`separate: '${text}' keeps ${group.length} domains apart on ${hosts} hosts; they can never all run`);
    return problems;
  });
}
