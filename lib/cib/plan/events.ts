import { domainNameProblem } from "../../toolstack/domain-name.ts";
import { didYouMean } from "../model/closest.ts";
import type { Cib } from "../model/model.ts";
import { isDomainAgent } from "./placement.ts";
import { pairValue } from "../model/queries.ts";
import type { SimEvent } from "./simulate.ts";

/**
 * Simulation events as typed on the command line, checked against the CIB
 * before anything runs: nodes must be nodes of the CIB, and a domain may be
 * named by its resource id or by its Xen domain name.
 */
export type EventsResult = { readonly ok: true; readonly events: readonly SimEvent[] } | { readonly ok: false; readonly problem: string };

function nodeProblem(cib: Cib, node: string): string | undefined {
  const nodes = cib.nodes.map((n) => n.uname);
  return nodes.includes(node) ? undefined : `'${node}' is not a node of this CIB${didYouMean(node, nodes)} (nodes: ${nodes.join(", ")})`;
}

/** A resource id, or the resource whose XenDomain `name` parameter is this domain name. */
export function resolveResource(cib: Cib, name: string): string | undefined {
  if (cib.primitives.some((p) => p.id === name) || cib.containers.some((c) => c.id === name)) return name;
  return cib.primitives.find((p) => isDomainAgent(p.agent) && pairValue(p.params, "name") === name)?.id;
}

const nodesOf = (cib: Cib, text: string): { nodes: string[]; problem: string | undefined } => {
  const items = text.split(",").map((n) => n.trim());
  const nodes = items.filter(Boolean);
  // An empty item (xen01,,xen02 or a trailing comma) is a typo, not a list of fewer hosts.
  const empty = nodes.length > 0 && nodes.length < items.length ? `'${text}' has an empty node name` : undefined;
  const problem = nodes.length === 0 ? "no node given" : (empty ?? nodes.map((n) => nodeProblem(cib, n)).find(Boolean));
  return { nodes, problem };
};

export function failEvents(cib: Cib, text: string): EventsResult {
  const { nodes, problem } = nodesOf(cib, text);
  return problem ? { ok: false, problem: `--fail: ${problem}` } : { ok: true, events: nodes.map((node) => ({ kind: "fail", node })) };
}

export function standbyEvents(cib: Cib, text: string): EventsResult {
  const { nodes, problem } = nodesOf(cib, text);
  return problem ? { ok: false, problem: `--standby: ${problem}` } : { ok: true, events: nodes.map((node) => ({ kind: "standby", node })) };
}

export function moveEvent(cib: Cib, domain: string, node: string | undefined): EventsResult {
  if (node === undefined) return { ok: false, problem: `--move ${domain}: give the domain and the node to move it to` };
  const resource = resolveResource(cib, domain);
  if (!resource) {
    // A name no domain may have (Domain-0, a leading dash, ...) is refused with the reason, not a spelling hint.
    const invalid = cib.primitives.some((p) => p.id === domain) ? undefined : domainNameProblem(domain);
    if (invalid) return { ok: false, problem: `--move: ${invalid}` };
    const names = cib.primitives.map((p) => p.id);
    return { ok: false, problem: `--move: no resource or domain '${domain}'${didYouMean(domain, names)}` };
  }
  const problem = nodeProblem(cib, node);
  return problem ? { ok: false, problem: `--move: ${problem}` } : { ok: true, events: [{ kind: "move", resource, node }] };
}

/** NODE:NAME=VALUE, e.g. xen01:#health-smart=red. */
export function attributeEvent(cib: Cib, text: string): EventsResult {
  const match = /^([^:]+):([^=]+)=(.*)$/.exec(text);
  if (!match) return { ok: false, problem: `--attr '${text}': write NODE:NAME=VALUE, e.g. xen01:#health-cpu=red` };
  const [, node = "", name = "", value = ""] = match;
  const problem = nodeProblem(cib, node);
  return problem ? { ok: false, problem: `--attr: ${problem}` } : { ok: true, events: [{ kind: "attribute", node, name, value }] };
}
