import { param, type Decoded } from "../../lib/ocf/params.ts";
import { primitive, type OpSpec, type Pairs } from "../../lib/cib/author/build.ts";
import { advertisedInterval, advertisedTimeout } from "../../lib/cib/model/agents.ts";
import { makeId } from "../../lib/cib/model/ids.ts";
import { listOf } from "../../lib/cib/author/variables.ts";
import { OCF_PROVIDER } from "../../agents/index.ts";
import { xenDomain } from "../../agents/xen-domain/agent.ts";
import { domainNameProblem } from "../../lib/toolstack/domain-name.ts";
import type { Xml } from "../../lib/xml/xml.ts";
import { ipmiCountProblems, type IpmiValues } from "./hosts.ts";

/**
 * Xen domains as XenDomain resources. Operation timeouts come from what the
 * agent advertises (agents/index.ts), so templates follow the agent.
 */
export const XEN_DOMAIN_AGENT = `ocf:${OCF_PROVIDER}:${xenDomain.name}`;

const seconds = (duration: string | undefined): number | undefined =>
  duration === undefined ? undefined : Number(duration.slice(0, -1));

/** A domain as a template variable item: NAME[:MEMORY_MiB[:VCPUS[:PRIORITY]]]. */
export interface DomainSpec {
  readonly name: string;
  readonly memory: number | undefined;
  readonly vcpus: number | undefined;
  readonly priority: number | undefined;
}

function decodeDomain(raw: string): Decoded<DomainSpec> {
  const [name = "", ...fields] = raw.split(":");
  const problem = domainNameProblem(name);
  if (problem) return { ok: false, problem };
  if (fields.length > 3) return { ok: false, problem: `'${raw}' has more than NAME:MEMORY:VCPUS:PRIORITY` };
  const numbers: (number | undefined)[] = [];
  for (const [i, field] of fields.entries()) {
    if (field === "") numbers.push(undefined);
    else if (/^\d+$/.test(field)) numbers.push(Number(field));
    else return { ok: false, problem: `'${raw}': ${["memory", "vcpus", "priority"][i]} '${field}' is not a whole number` };
  }
  return { ok: true, value: { name, memory: numbers[0], vcpus: numbers[1], priority: numbers[2] } };
}

export const domainList = listOf(decodeDomain);

/** A domain named alone, where a size or priority would mean nothing (a fence device's pcmk_host_map). */
function decodeDomainName(raw: string): Decoded<string> {
  const problem = domainNameProblem(raw) ?? (/[:;]/.test(raw) ? `'${raw}': ':' and ';' separate pcmk_host_map entries` : undefined);
  return problem ? { ok: false, problem } : { ok: true, value: raw };
}

export const domainNameList = listOf(decodeDomainName);

const pathPattern = (value: string): string | undefined =>
  !value.startsWith("/")
    ? `'${value}' is not an absolute path`
    : !value.includes("{name}")
      ? `'${value}' does not contain {name}`
      : undefined;

const stopSeconds = seconds(advertisedTimeout(xenDomain, "stop")) ?? 0;

/** Variables every domain-carrying template offers. */
export const domainVariables = {
  domains: domainList({
    default: "web",
    min: 1,
    syntax: "NAME[:MEMORY_MiB[:VCPUS[:PRIORITY]]],...",
    shortdesc: "The Xen domains to protect",
    longdesc:
      "Domain names, each optionally with its memory (MiB), virtual CPUs and priority; empty fields take the defaults. " +
      "Memory and CPUs become the domain's utilization where the template uses capacity.",
  }),
  config_path: param.string({
    default: "/etc/xen/{name}.cfg",
    check: pathPattern,
    shortdesc: "Path of each domain's xl configuration file; {name} is the domain name",
    longdesc: "The file must exist on every host that may run the domain (or live on shared storage).",
  }),
  stickiness: param.integer()({
    default: 100,
    shortdesc: "Resource stickiness of the domains",
    longdesc: "Higher than any location preference, so a domain that failed over does not move back on its own.",
  }),
  migration_threshold: param.integer({ min: 1 })({
    default: 3,
    shortdesc: "Failures on one host before a domain is moved away",
  }),
  stop_timeout: param.integer({ min: stopSeconds, max: 3_600 })({
    default: stopSeconds,
    shortdesc: "Stop operation timeout in seconds (graceful shutdown, then destroy)",
    longdesc: "XenDomain waits two thirds of it for a clean shutdown before destroying the domain.",
  }),
};

export interface DomainOptions {
  readonly configPath: string;
  readonly stickiness: number;
  readonly migrationThreshold: number;
  readonly stopTimeout: number;
  readonly allowMigrate?: boolean;
  readonly priority?: number;
  readonly utilization?: Pairs;
  readonly params?: Pairs;
  readonly meta?: Pairs;
}

/** The options shared by every domain, from the domain variables. */
export const domainOptions = (values: {
  readonly config_path: string;
  readonly stickiness: number;
  readonly migration_threshold: number;
  readonly stop_timeout: number;
}): DomainOptions => ({
  configPath: values.config_path,
  stickiness: values.stickiness,
  migrationThreshold: values.migration_threshold,
  stopTimeout: values.stop_timeout,
});

export const domainId = (name: string): string => makeId("vm", name);

function operations(options: DomainOptions): OpSpec[] {
  const op = (name: string, interval = "0"): OpSpec[] => {
    const timeout = advertisedTimeout(xenDomain, name);
    return timeout ? [{ name, interval, timeout }] : [];
  };
  return [
    ...op("start"),
    { name: "stop", interval: "0", timeout: `${options.stopTimeout}s` },
    ...op("monitor", advertisedInterval(xenDomain, "monitor") ?? "10s"),
    ...(options.allowMigrate ? [...op("migrate_to"), ...op("migrate_from")] : []),
  ];
}

export function domainResource(domain: DomainSpec, options: DomainOptions): Xml {
  return primitive({
    id: domainId(domain.name),
    agent: XEN_DOMAIN_AGENT,
    params: { xmfile: options.configPath.replaceAll("{name}", domain.name), name: domain.name, ...options.params },
    meta: {
      "resource-stickiness": options.stickiness,
      "migration-threshold": options.migrationThreshold,
      priority: options.priority ?? domain.priority,
      "allow-migrate": options.allowMigrate,
      ...options.meta,
    },
    utilization: options.utilization,
    ops: operations(options),
  });
}

/** Domain names must stay distinct once made into resource ids. */
export function duplicateDomainProblems(domains: readonly DomainSpec[]): string[] {
  const seen = new Set<string>();
  return domains.flatMap((domain) => {
    const id = domainId(domain.name);
    if (seen.has(id)) return [`domains: '${domain.name}' is listed twice (or collides with another name as ${id})`];
    seen.add(id);
    return [];
  });
}

/**
 * Memory and CPUs in a domain's list entry become utilization only where a
 * template places by capacity; elsewhere they would be dropped, so they are
 * refused rather than silently ignored.
 */
export const unusedSizeProblems = (domains: readonly DomainSpec[]): string[] =>
  domains
    .filter((domain) => domain.memory !== undefined || domain.vcpus !== undefined)
    .map((domain) => `domains: '${domain.name}' is given memory or CPUs, which only the capacity templates (n-plus-1, n-plus-m, n-plus-n) use; write NAME, or NAME:::PRIORITY for a priority`);

/**
 * The rules every host cluster with domains shares: one IPMI address per host,
 * distinct domain names, and no memory or CPUs unless the template uses them.
 */
export const hostDomainProblems = (
  values: IpmiValues & { readonly nodes: readonly string[]; readonly domains: readonly DomainSpec[] },
  options: { readonly sizesUsed?: boolean } = {},
): string[] => [
  ...ipmiCountProblems(values.nodes, values),
  ...duplicateDomainProblems(values.domains),
  ...(options.sizesUsed ? [] : unusedSizeProblems(values.domains)),
];
