import { childNamed, childrenNamed, parseXml, type XmlElement } from "../../xml/parse.ts";
import {
  FAILURE_STICKINESS_ADVICE,
  failureStickinessSuccessor,
  IDENTITY_ATTRIBUTES,
  META_DROPPED,
  META_FROM_INSTANCE,
  metaName,
  OP_RENAMES,
  OPTION_FATES,
  PACEMAKER_CLUSTER_OPTIONS,
  REQUIRES_FROM_OP,
  ROOT_KEPT,
  RULE_RENAMES,
} from "./heartbeat-names.ts";
import { advertisedTimeout, findAgent, type AgentCatalog, type RegisteredAgent } from "../model/agents.ts";
import { formatMs, PACEMAKER_DEFAULT_TIMEOUT_MS, pacemakerTimeoutMs } from "../model/duration.ts";
import { isValidId, makeId } from "../model/ids.ts";
import { isTrue } from "../model/queries.ts";
import { SCHEMA_PROFILES, type SchemaName, type SchemaProfile } from "../model/schema.ts";
import { makeElement, writeXml } from "../model/write.ts";

/**
 * `xen-ha cib import-heartbeat`: a Heartbeat 2.0/2.1 CIB in today's format.
 * Pacemaker 2.1 can neither read nor upgrade one (doc/cib.md §1.4), so the
 * mapping is done here, each construct to its Pacemaker meaning
 * (heartbeat-names.ts): <attributes> wrappers dropped, old option names moved
 * to their successors, meta options to meta_attributes, the start op's prereq
 * to the resource's requires, from/to constraints to first/then and
 * rsc/with-rsc, master_slave to a promotable clone, ocf:heartbeat:Xen to
 * XenDomain (same parameter names, and the operations its timeouts need).
 *
 * Every decision a human should know about is a note. What cannot be carried
 * over with its meaning is a problem: the caller must not use the result.
 */
export type ImportResult =
  | { readonly ok: true; readonly text: string; readonly notes: readonly string[]; readonly problems: readonly string[] }
  | { readonly ok: false; readonly problem: string };

interface Converter {
  readonly profile: SchemaProfile;
  readonly agents: AgentCatalog;
  readonly notes: string[];
  readonly problems: string[];
  readonly used: Set<string>;
  /** Old resource id -> new, for ids that were not valid XML IDs. */
  readonly renamed: Map<string, string>;
  /** What an op without a timeout gets: op_defaults' timeout, else Pacemaker's default. */
  defaultTimeoutMs: number;
}

type Pair = readonly [string, string];

function freshId(c: Converter, wanted: string): string {
  let id = isValidId(wanted) ? wanted : makeId(wanted.replace(/:/g, "-"));
  for (let n = 2; c.used.has(id); n++) id = `${makeId(wanted.replace(/:/g, "-"))}-${n}`;
  c.used.add(id);
  return id;
}

/**
 * Every nvpair of a set, looking through Heartbeat's <attributes> wrapper. A
 * set with a <rule> applies only where the rule holds; flattening it would
 * apply it everywhere, so such a set is not carried over.
 */
function pairsIn(c: Converter, set: XmlElement, where: string): Pair[] {
  const rules = [set, ...childrenNamed(set, "attributes")].flatMap((s) => childrenNamed(s, "rule"));
  if (rules.length > 0) {
    c.problems.push(`${where}: the ${set.name} set '${set.attributes["id"] ?? ""}' applies only where its rule holds; xen-ha does not convert conditional sets: write it in Pacemaker's format after the import`);
    return [];
  }
  return [...childrenNamed(set, "nvpair"), ...childrenNamed(set, "attributes").flatMap((a) => childrenNamed(a, "nvpair"))].map(
    (nv) => [nv.attributes["name"] ?? "", nv.attributes["value"] ?? ""] as const,
  );
}

const pair = (c: Converter, setId: string, name: string, value: string): XmlElement =>
  makeElement("nvpair", { id: freshId(c, makeId(setId, name)), name, value });

function nvset(c: Converter, tag: string, id: string, pairs: readonly Pair[]): XmlElement[] {
  if (pairs.length === 0) return [];
  const setId = freshId(c, id);
  return [makeElement(tag, { id: setId }, pairs.map(([name, value]) => pair(c, setId, name, value)))];
}

interface Options {
  readonly crmConfig: Pair[];
  readonly rscDefaults: Pair[];
  readonly opDefaults: Pair[];
}

function convertOptions(c: Converter, crmConfig: XmlElement | undefined): Options {
  const out: Options = { crmConfig: [], rscDefaults: [], opDefaults: [] };
  const section = { crm_config: out.crmConfig, rsc_defaults: out.rscDefaults, op_defaults: out.opDefaults };
  const sets = childrenNamed(crmConfig ?? makeElement("x", {}), "cluster_property_set");
  for (const [oldName, value] of sets.flatMap((set) => pairsIn(c, set, "crm_config"))) {
    const name = oldName.replace(/_/g, "-");
    const fate = OPTION_FATES[name];
    if (name === "default-resource-failure-stickiness") {
      const successor = failureStickinessSuccessor(value);
      if (successor) {
        out.rscDefaults.push(successor);
        c.notes.push(`cluster option ${oldName}=${value} became ${successor.join("=")} in rsc_defaults (leave at the first failure)`);
      } else c.notes.push(`cluster option ${oldName}=${value} dropped: ${FAILURE_STICKINESS_ADVICE}`);
    } else if (fate && "drop" in fate) {
      c.notes.push(`cluster option ${oldName}=${value} dropped: ${fate.drop}`);
    } else if (fate) {
      section[fate.to].push([fate.name, value]);
      c.notes.push(`cluster option ${oldName} became ${fate.name}${fate.to === "crm_config" ? "" : ` in ${fate.to}`}`);
    } else if (PACEMAKER_CLUSTER_OPTIONS.has(name)) {
      out.crmConfig.push([name, value]);
    } else {
      c.notes.push(`cluster option ${oldName}=${value} dropped: Pacemaker 2.1 has no such option`);
    }
  }
  if (!out.crmConfig.some(([name]) => name === "stonith-enabled")) {
    out.crmConfig.push(["stonith-enabled", "false"]);
    c.notes.push("Heartbeat 2.0 fenced nothing unless told to: stonith-enabled=false is written explicitly; add fence devices and enable it");
  }
  const timeout = out.opDefaults.find(([name]) => name === "timeout");
  if (timeout) c.defaultTimeoutMs = pacemakerTimeoutMs(timeout[1]);
  return out;
}

const roleName = (c: Converter, role: string | undefined): string | undefined => {
  const lower = role?.toLowerCase();
  if (lower === undefined) return undefined;
  if (lower === "master") return c.profile.promotedRole;
  if (lower === "slave") return c.profile.unpromotedRole;
  return lower.charAt(0).toUpperCase() + lower.slice(1);
};

function convertOp(c: Converter, op: XmlElement, owner: string, meta: Pair[]): XmlElement {
  const attributes: Record<string, string> = {};
  const action = op.attributes["name"] ?? "op";
  for (const [name, value] of Object.entries(op.attributes)) {
    if (name === "id") continue;
    if (name === "disabled") attributes["enabled"] = /true|yes|1/i.test(value) ? "false" : "true";
    else if (name === "role") attributes["role"] = roleName(c, value) ?? value;
    else if (name !== "prereq") attributes[OP_RENAMES[name] ?? name] = value;
    else if (action === REQUIRES_FROM_OP) {
      meta.push(["requires", value]);
      c.notes.push(`${owner}: the start op's prereq=${value} became the meta attribute requires`);
    } else {
      c.notes.push(`${owner}: the ${action} op's prereq=${value} dropped: only the start op's prereq decides what a start waits for (Pacemaker's requires)`);
    }
  }
  const interval = attributes["interval"] ?? "0";
  return makeElement("op", { id: freshId(c, op.attributes["id"] ?? makeId(owner, action, interval)), name: action, interval, ...attributes });
}

/**
 * XenDomain needs the time it advertises for start, stop and (when the domain
 * migrates) migrate_to/migrate_from; Heartbeat gave an op it was not told
 * about the default action timeout. Missing ops, and ops without a timeout,
 * get the advertised one when the default is shorter.
 */
function domainOps(c: Converter, id: string, agent: RegisteredAgent, ops: XmlElement[], migrates: boolean): XmlElement[] {
  const actions = ["start", "stop", ...(migrates ? ["migrate_to", "migrate_from"] : [])];
  const added: XmlElement[] = [];
  const result = ops.map((op) => {
    const advertised = advertisedTimeout(agent, op.attributes["name"] ?? "");
    if (op.attributes["timeout"] !== undefined || advertised === undefined || !actions.includes(op.attributes["name"] ?? "")) return op;
    if (pacemakerTimeoutMs(advertised) <= c.defaultTimeoutMs) return op;
    c.notes.push(`${id}: the ${op.attributes["name"] ?? ""} op had no timeout; it gets ${advertised}, what ${agent.name} advertises (the default is ${formatMs(c.defaultTimeoutMs)})`);
    return { ...op, attributes: { ...op.attributes, timeout: advertised } };
  });
  for (const action of actions) {
    const advertised = advertisedTimeout(agent, action);
    if (advertised === undefined || ops.some((op) => op.attributes["name"] === action)) continue;
    if (pacemakerTimeoutMs(advertised) <= c.defaultTimeoutMs) continue;
    added.push(makeElement("op", { id: freshId(c, makeId(id, action, "0")), name: action, interval: "0", timeout: advertised }));
    c.notes.push(`${id}: added a ${action} op with timeout ${advertised}, what ${agent.name} advertises (the default is ${formatMs(c.defaultTimeoutMs)})`);
  }
  return [...result, ...added];
}

const FENCE_FIRST = new Set(["fencing", "unfencing"]);

function toMeta(c: Converter, id: string, meta: Pair[], name: string, value: string): void {
  const modern = metaName(name, c.profile.promotedMax, c.profile.promotedNodeMax);
  if (modern === "resource-failure-stickiness") {
    const successor = failureStickinessSuccessor(value);
    if (successor) meta.push(successor);
    c.notes.push(`${id}: ${name}=${value} ${successor ? `became ${successor.join("=")}` : `dropped: ${FAILURE_STICKINESS_ADVICE}`}`);
  } else if (META_DROPPED[modern]) {
    c.notes.push(`${id}: ${name}=${value} dropped: ${META_DROPPED[modern]}`);
  } else meta.push([modern, modern === "target-role" ? (roleName(c, value) ?? value) : value]);
}

const RESOURCE_KINDS = ["primitive", "group", "clone", "master_slave"];

function convertResource(c: Converter, element: XmlElement): XmlElement | undefined {
  const kinds: Record<string, string> = { primitive: "primitive", group: "group", clone: "clone", master_slave: c.profile.promotableElement };
  const kind = kinds[element.name];
  if (!kind) {
    c.problems.push(`<${element.name} id="${element.attributes["id"] ?? ""}"> is not a Heartbeat resource; it was not carried over`);
    return undefined;
  }
  const oldId = element.attributes["id"] ?? element.name;
  const id = freshId(c, oldId);
  if (id !== oldId) c.renamed.set(oldId, id);
  const meta: Pair[] = [];
  const params: Pair[] = [];
  for (const [name, value] of Object.entries(element.attributes)) if (!IDENTITY_ATTRIBUTES.has(name)) toMeta(c, id, meta, name, value);
  for (const [name, value] of childrenNamed(element, "meta_attributes").flatMap((set) => pairsIn(c, set, id))) toMeta(c, id, meta, name, value);
  for (const [name, value] of childrenNamed(element, "instance_attributes").flatMap((set) => pairsIn(c, set, id))) {
    // On a container every instance attribute was a meta option.
    if (element.name !== "primitive" || META_FROM_INSTANCE.has(name)) toMeta(c, id, meta, name, value);
    else params.push([name, value]);
  }
  if (element.name === "master_slave" && c.profile.promotableElement === "clone") meta.unshift(["promotable", "true"]);

  let { class: cls, provider, type } = element.attributes;
  if (kind === "primitive" && cls === "ocf" && provider === "heartbeat" && type === "Xen") {
    [provider, type] = [c.agents.provider, "XenDomain"];
    c.notes.push(`${id}: ocf:heartbeat:Xen became ocf:${c.agents.provider}:XenDomain (same parameter names)`);
  }
  let ops = childrenNamed(childNamed(element, "operations") ?? makeElement("x", {}), "op").map((op) => convertOp(c, op, id, meta));
  const merged = new Map(meta);
  const domain = kind === "primitive" ? findAgent(c.agents, `${cls ?? ""}:${provider ?? ""}:${type ?? ""}`) : undefined;
  if (domain && !domain.fencing) {
    ops = domainOps(c, id, domain, ops, isTrue(merged.get("allow-migrate")));
    const requires = merged.get("requires");
    if (requires !== undefined && !FENCE_FIRST.has(requires.toLowerCase())) {
      c.problems.push(
        `${id}: the start op's prereq=${requires} lets Pacemaker start the domain on another host before a failed host is fenced, ` +
          "so it could run twice; xen-ha does not carry it over: remove the prereq (the default waits for fencing) and import again",
      );
    }
  }
  const children = element.children
    .filter((child) => RESOURCE_KINDS.includes(child.name))
    .map((child) => convertResource(c, child))
    .filter((child): child is XmlElement => child !== undefined);
  return makeElement(
    kind,
    { id, ...(kind === "primitive" ? { class: cls, provider: cls === "ocf" ? provider : undefined, type } : {}), description: element.attributes["description"] },
    [
      ...nvset(c, "instance_attributes", makeId(id, "instance_attributes"), params),
      ...nvset(c, "meta_attributes", makeId(id, "meta_attributes"), [...merged]),
      ...(ops.length > 0 ? [makeElement("operations", {}, ops)] : []),
      ...children,
    ],
  );
}

const upper = (score: string | undefined): string | undefined => score?.split(".")[0]?.toUpperCase();

function convertRule(c: Converter, rule: XmlElement, owner: string): XmlElement {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(rule.attributes)) {
    if (name === "id") continue;
    attributes[RULE_RENAMES[name] ?? name] = name === "score" ? (upper(value) ?? value) : name === "role" ? (roleName(c, value) ?? value) : value;
  }
  if (attributes["score"] === undefined && attributes["score-attribute"] === undefined) attributes["score"] = "0";
  const id = freshId(c, rule.attributes["id"] ?? makeId(owner, "rule"));
  const children = rule.children.map((child) =>
    child.name === "rule"
      ? convertRule(c, child, id)
      : makeElement(child.name, { ...child.attributes, id: freshId(c, child.attributes["id"] ?? makeId(id, "expr")) }, child.children),
  );
  return makeElement("rule", { id, ...attributes }, children);
}

function convertConstraint(c: Converter, element: XmlElement): XmlElement | undefined {
  const a = element.attributes;
  const rsc = (name: string | undefined) => (name === undefined ? undefined : (c.renamed.get(name) ?? name));
  const id = freshId(c, a["id"] ?? element.name);
  const score = upper(a["score"]);
  if (element.name === "rsc_location") {
    return makeElement("rsc_location", { id, rsc: rsc(a["rsc"]), node: a["node"], score }, childrenNamed(element, "rule").map((r) => convertRule(c, r, id)));
  }
  if (element.name === "rsc_colocation") {
    return makeElement("rsc_colocation", {
      id,
      rsc: rsc(a["from"]),
      "rsc-role": roleName(c, a["from_role"]),
      "with-rsc": rsc(a["to"]),
      "with-rsc-role": roleName(c, a["to_role"]),
      "node-attribute": a["node_attribute"],
      score,
    });
  }
  if (element.name !== "rsc_order") {
    c.problems.push(`constraint <${element.name} id="${a["id"] ?? ""}"> is not a Heartbeat constraint; it was not carried over`);
    return undefined;
  }
  const before = (a["type"] ?? "after") === "before";
  const action = a["action"] ?? "start";
  const kind = score === "0" ? "Optional" : "Mandatory";
  return makeElement("rsc_order", {
    id,
    first: rsc(before ? a["from"] : a["to"]),
    "first-action": before ? action : (a["to_action"] ?? action),
    then: rsc(before ? a["to"] : a["from"]),
    "then-action": before ? (a["to_action"] ?? action) : action,
    kind,
    symmetrical: a["symmetrical"],
  });
}

export function importHeartbeat(text: string, schema: SchemaName, agents: AgentCatalog): ImportResult {
  const parsed = parseXml(text);
  if (!parsed.ok) return { ok: false, problem: `not well-formed XML${parsed.line ? ` (line ${parsed.line})` : ""}: ${parsed.problem}` };
  const root = parsed.root;
  if (root.name !== "cib") return { ok: false, problem: `the root element is <${root.name}>, not <cib>` };
  const validateWith = root.attributes["validate-with"];
  if (validateWith !== undefined && /^pacemaker-[1-9]/.test(validateWith)) {
    return { ok: false, problem: `this CIB is already in the Pacemaker format (${validateWith}); use 'xen-ha cib check' on it` };
  }
  const configuration = childNamed(root, "configuration");
  if (!configuration) return { ok: false, problem: "the CIB has no <configuration>" };
  const c: Converter = {
    profile: SCHEMA_PROFILES[schema],
    agents,
    notes: [],
    problems: [],
    used: new Set(),
    renamed: new Map(),
    defaultTimeoutMs: PACEMAKER_DEFAULT_TIMEOUT_MS,
  };
  const section = (name: string): XmlElement => childNamed(configuration, name) ?? makeElement(name, {});

  const options = convertOptions(c, childNamed(configuration, "crm_config"));
  const nodes = childrenNamed(section("nodes"), "node").map((node) => {
    const uname = node.attributes["uname"] ?? "node";
    const attributes = childrenNamed(node, "instance_attributes").flatMap((set) => pairsIn(c, set, `node ${uname}`));
    const type = node.attributes["type"] === "normal" ? "member" : node.attributes["type"];
    return makeElement("node", { ...node.attributes, type }, nvset(c, "instance_attributes", makeId("nodes", uname), attributes));
  });
  const resources = section("resources").children.map((r) => convertResource(c, r)).filter((r): r is XmlElement => r !== undefined);
  const constraints = section("constraints").children.map((e) => convertConstraint(c, e)).filter((e): e is XmlElement => e !== undefined);
  for (const [old, id] of c.renamed) c.notes.push(`resource id '${old}' is not a valid XML ID; renamed to '${id}'`);
  if (childNamed(root, "status")) c.notes.push("the <status> section was dropped: it describes the old cluster's state, not its configuration");

  const defaults = (tag: string, id: string, pairs: readonly Pair[]): XmlElement[] =>
    pairs.length > 0 ? [makeElement(tag, {}, nvset(c, "meta_attributes", id, [...new Map(pairs)]))] : [];
  const rootAttributes = Object.fromEntries(ROOT_KEPT.map((name) => [name, root.attributes[name] ?? "0"]));
  const cib = makeElement("cib", { "validate-with": c.profile.validateWith, ...rootAttributes }, [
    makeElement("configuration", {}, [
      makeElement("crm_config", {}, nvset(c, "cluster_property_set", "cib-bootstrap-options", [...new Map(options.crmConfig)])),
      ...defaults("rsc_defaults", "rsc-options", options.rscDefaults),
      ...defaults("op_defaults", "op-options", options.opDefaults),
      makeElement("nodes", {}, nodes),
      makeElement("resources", {}, resources),
      makeElement("constraints", {}, constraints),
    ]),
  ]);
  return { ok: true, text: writeXml(cib), notes: [...new Set(c.notes)], problems: [...new Set(c.problems)] };
}
