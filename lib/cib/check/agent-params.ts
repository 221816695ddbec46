import { FENCER_PARAMS, findAgent, type AgentCatalog, type RegisteredAgent } from "../model/agents.ts";
import { TRACE_PARAMS } from "../../ocf/trace.ts";
import { didYouMean } from "../model/closest.ts";
import { formatMs, intendedMs, misreading, pacemakerTimeoutMs, PACEMAKER_DEFAULT_TIMEOUT_MS } from "../model/duration.ts";
import { type Cib, type PrimitiveDef } from "../model/model.ts";
import { isTrue, metaValue, pairValue } from "../model/queries.ts";
import { error, warning, type Problem } from "../model/problem.ts";

/**
 * Resources checked against the agents' own declarations (the agent catalog):
 * crm_verify never reads agent meta-data, so a misspelled parameter, a value
 * the agent will refuse at start, or an op timeout shorter than the agent
 * needs all pass it. Legacy underscore meta names are caught for every agent:
 * Pacemaker ignores them silently (cluster-glue's xen0-ha sets target_role).
 */
const LEGACY_META: Readonly<Record<string, string>> = {
  target_role: "target-role",
  allow_migrate: "allow-migrate",
  resource_stickiness: "resource-stickiness",
  is_managed: "is-managed",
  migration_threshold: "migration-threshold",
  failure_timeout: "failure-timeout",
  multiple_active: "multiple-active",
  clone_max: "clone-max",
  clone_node_max: "clone-node-max",
  master_max: "promoted-max",
  master_node_max: "promoted-node-max",
  globally_unique: "globally-unique",
};

const META_NAMES = new Set([
  ...Object.values(LEGACY_META),
  "priority",
  "requires",
  "remote-node",
  "remote-addr",
  "remote-port",
  "remote-connect-timeout",
  "maintenance",
  "critical",
  "allow-unhealthy-nodes",
]);

/** Actions whose op timeout must cover what the agent advertises. */
const TIMED_ACTIONS = ["start", "stop", "monitor", "migrate_to", "migrate_from", "promote", "demote", "notify"];

function legacyMetaProblems(primitive: PrimitiveDef): Problem[] {
  return primitive.meta.flatMap((pair) => {
    const modern = LEGACY_META[pair.name];
    return modern === undefined
      ? []
      : [error(`primitive ${primitive.id}`, pair.line, `meta attribute '${pair.name}' is ignored by Pacemaker 1.0 and later`, `rename it to ${modern}`)];
  });
}

/** What parameterProblems and timeoutProblems read from an agent's declarations: the same for each of its resources, so read once. */
interface AgentFacts {
  readonly declared: readonly (readonly [string, RegisteredAgent["params"][string]])[];
  /** Accepted name (or alias) -> declared name. */
  readonly names: ReadonlyMap<string, string>;
  readonly known: readonly string[];
  /** By timed action the agent advertises: the longest timeout it advertises (ms). */
  readonly neededMs: ReadonlyMap<string, number>;
}

const agentFacts = new WeakMap<RegisteredAgent, AgentFacts>();

function factsOf(agent: RegisteredAgent): AgentFacts {
  const cached = agentFacts.get(agent);
  if (cached) return cached;
  const declared = Object.entries(agent.params);
  const names = new Map<string, string>();
  for (const [name, param] of declared) for (const alias of [name, ...(param.aliases ?? [])]) names.set(alias, name);
  const neededMs = new Map<string, number>();
  for (const action of TIMED_ACTIONS) {
    const advertised = agent.advertised.filter((entry) => entry.name === action);
    if (advertised.length > 0) neededMs.set(action, Math.max(...advertised.map((entry) => intendedMs(entry.timeout) ?? 0)));
  }
  const facts = { declared, names, known: [...names.keys(), ...(agent.fencing ? FENCER_PARAMS : [])], neededMs };
  agentFacts.set(agent, facts);
  return facts;
}

/**
 * The plugs Pacemaker passes a fence device: a node's port in pcmk_host_map
 * (entries split at ';' or white space, name from port at the first ':' or
 * '=', as pacemaker-fenced reads it), else the node's own name.
 */
function plugsOf(cib: Cib, primitive: PrimitiveDef): Set<string> {
  const map = new Map<string, string>();
  for (const entry of (pairValue(primitive.params, "pcmk_host_map") ?? "").split(/[;\s]+/).filter(Boolean)) {
    const at = entry.search(/[:=]/);
    if (at > 0) map.set(entry.slice(0, at), entry.slice(at + 1));
  }
  return new Set([...map.values(), ...cib.nodes.map((node) => node.uname).filter((uname) => uname !== "" && !map.has(uname))]);
}

function parameterProblems(cib: Cib, primitive: PrimitiveDef, agent: RegisteredAgent): Problem[] {
  const where = `primitive ${primitive.id}`;
  const { declared, names, known } = factsOf(agent);
  const problems: Problem[] = [];

  for (const pair of primitive.params) {
    const name = names.get(pair.name);
    if (name === undefined) {
      if (agent.fencing && FENCER_PARAMS.has(pair.name)) continue;
      if (!agent.fencing && TRACE_PARAMS.has(pair.name)) continue;
      const modern = LEGACY_META[pair.name] ?? (META_NAMES.has(pair.name) ? pair.name : undefined);
      problems.push(
        modern !== undefined
          ? error(where, pair.line, `'${pair.name}' is a meta attribute, not a parameter of ${agent.name}; as a parameter it does nothing`, `move it to meta_attributes as ${modern}`)
          : error(where, pair.line, `${agent.name} has no parameter '${pair.name}'${didYouMean(pair.name, known)}`, `use one of: ${declared.map(([n]) => n).join(", ")}`),
      );
      continue;
    }
    const param = agent.params[name];
    if (!param || pair.value === "") continue;
    const decoded = param.decode(pair.value);
    const problem = decoded.ok ? param.check?.(decoded.value) : decoded.problem;
    if (problem) problems.push(error(where, pair.line, `${pair.name}: ${problem}`, `give ${name} a value ${agent.name} accepts (${param.shortdesc.toLowerCase()})`));
    else if (decoded.ok && param.plugsNamed && agent.fencing) {
      const plugs = plugsOf(cib, primitive);
      for (const plug of plugs.size === 0 ? [] : param.plugsNamed(decoded.value).filter((p: string) => !plugs.has(p))) {
        problems.push(
          error(where, pair.line, `${pair.name}: '${plug}' is no plug of this device${didYouMean(plug, plugs)}, so it never applies`, `name a plug Pacemaker passes (pcmk_host_map's ports, else node names): ${[...plugs].join(", ")}`),
        );
      }
    }
  }

  for (const [name, param] of declared) {
    if (!param.required) continue;
    const present = [name, ...(param.aliases ?? [])].some((alias) => (pairValue(primitive.params, alias) ?? "") !== "");
    if (!present) problems.push(error(where, primitive.line, `required parameter '${name}' is not set`, `add an nvpair ${name} to its instance_attributes (${param.shortdesc.toLowerCase()})`));
  }
  return problems;
}

function timeoutProblems(cib: Cib, primitive: PrimitiveDef, agent: RegisteredAgent): Problem[] {
  const where = `primitive ${primitive.id}`;
  const defaultTimeout = pairValue(cib.opDefaults, "timeout");
  const fallbackMs = defaultTimeout === undefined ? PACEMAKER_DEFAULT_TIMEOUT_MS : pacemakerTimeoutMs(defaultTimeout);
  const migrates = isTrue(metaValue(cib, primitive, "allow-migrate"));
  const problems: Problem[] = [];
  for (const action of TIMED_ACTIONS) {
    const neededMs = factsOf(agent).neededMs.get(action);
    if (neededMs === undefined) continue;
    const ops = primitive.ops.filter((op) => op.name === action);
    const wanted = action === "start" || action === "stop" || (migrates && action.startsWith("migrate_"));
    if (ops.length === 0 && wanted && fallbackMs < neededMs) {
      problems.push(
        error(where, primitive.line, `no ${action} operation: Pacemaker allows ${formatMs(fallbackMs)}, ${agent.name} advertises ${formatMs(neededMs)}`, `add <op name="${action}" interval="0" timeout="${formatMs(neededMs)}"/>`),
      );
    }
    // a timeout Pacemaker misreads is reported once, by durationProblems
    for (const op of ops.filter((o) => o.timeout === undefined || !misreading(o.timeout, "timeout"))) {
      const ms = op.timeout === undefined ? fallbackMs : pacemakerTimeoutMs(op.timeout);
      if (ms < neededMs) {
        problems.push(
          error(`op ${op.id ?? action}`, op.line, `${action} timeout ${formatMs(ms)} is shorter than the ${formatMs(neededMs)} ${agent.name} advertises`, `set timeout="${formatMs(neededMs)}" or more`),
        );
      }
    }
  }
  if (!agent.fencing && !primitive.ops.some((op) => op.name === "monitor" && op.interval !== "0")) {
    problems.push(warning(where, primitive.line, "no recurring monitor: a failed resource is never noticed", "add a monitor operation with an interval"));
  }
  return problems;
}

export function agentProblems(cib: Cib, agents: AgentCatalog): Problem[] {
  const provider = (agent: string): string => agent.split(":").slice(0, -1).join(":");
  return cib.primitives.flatMap((primitive) => {
    const agent = findAgent(agents, primitive.agent);
    if (agent) {
      return [...legacyMetaProblems(primitive), ...parameterProblems(cib, primitive, agent), ...timeoutProblems(cib, primitive, agent)];
    }
    // Only our own provider is a closed set; any fence agent may be installed.
    const ours = primitive.agent.startsWith("ocf:") && agents.agents.some((a) => provider(a.key) === provider(primitive.agent));
    const siblings = ours ? agents.agents.filter((a) => provider(a.key) === provider(primitive.agent)) : [];
    const unknown = siblings.length > 0
      ? [error(`primitive ${primitive.id}`, primitive.line, `there is no agent ${primitive.agent}${didYouMean(primitive.agent, siblings.map((a) => a.key))}`, `use one of: ${siblings.map((a) => a.key).join(", ")}`)]
      : [];
    return [...legacyMetaProblems(primitive), ...unknown];
  });
}
