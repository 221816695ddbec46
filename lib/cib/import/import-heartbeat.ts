import { OCF_PROVIDER } from "../../../agents/index.ts";
import { childNamed, childrenNamed, parseXml, type XmlElement } from "../../xml/parse.ts";
import {
  IDENTITY_ATTRIBUTES,
  META_FROM_INSTANCE,
  metaName,
  OP_RENAMES,
  OPTION_DROPPED,
  OPTION_RENAMES,
  ROOT_KEPT,
  RULE_RENAMES,
} from "./heartbeat-names.ts";
import { isValidId, makeId } from "../model/ids.ts";
import { SCHEMA_PROFILES, type SchemaName, type SchemaProfile } from "../model/schema.ts";
import { makeElement, writeXml } from "../model/write.ts";

/**
 * `xen-ha cib import-heartbeat`: a Heartbeat 2.0 CIB in today's format.
 * Pacemaker 2.1 can neither read nor upgrade one (doc/cib.md §1.4), so
 * the mapping is done here: <attributes> wrappers dropped, underscore names
 * renamed, meta options moved to meta_attributes, from/to constraints turned
 * into first/then and rsc/with-rsc, master_slave into a promotable clone, and
 * ocf:heartbeat:Xen into ocf:xen-ha:XenDomain (same parameter names). Each
 * decision a human should know about is returned as a note.
 */
export type ImportResult =
  | { readonly ok: true; readonly text: string; readonly notes: readonly string[] }
  | { readonly ok: false; readonly problem: string };

interface Converter {
  readonly profile: SchemaProfile;
  readonly notes: string[];
  readonly used: Set<string>;
  /** Old resource id -> new, for ids that were not valid XML IDs. */
  readonly renamed: Map<string, string>;
}

function freshId(c: Converter, wanted: string): string {
  let id = isValidId(wanted) ? wanted : makeId(wanted.replace(/:/g, "-"));
  for (let n = 2; c.used.has(id); n++) id = `${makeId(wanted.replace(/:/g, "-"))}-${n}`;
  c.used.add(id);
  return id;
}

/** Every nvpair of a set, looking through Heartbeat's <attributes> wrapper. */
const pairsIn = (set: XmlElement): XmlElement[] => [
  ...childrenNamed(set, "nvpair"),
  ...childrenNamed(set, "attributes").flatMap((a) => childrenNamed(a, "nvpair")),
];

const pair = (c: Converter, setId: string, name: string, value: string): XmlElement =>
  makeElement("nvpair", { id: freshId(c, makeId(setId, name)), name, value });

function nvset(c: Converter, tag: string, id: string, pairs: readonly (readonly [string, string])[]): XmlElement[] {
  if (pairs.length === 0) return [];
  const setId = freshId(c, id);
  return [makeElement(tag, { id: setId }, pairs.map(([name, value]) => pair(c, setId, name, value)))];
}

function convertOptions(c: Converter, crmConfig: XmlElement | undefined): { options: XmlElement[]; defaults: [string, string][] } {
  const options: [string, string][] = [];
  const defaults: [string, string][] = [];
  for (const nv of childrenNamed(crmConfig ?? makeElement("x", {}), "cluster_property_set").flatMap(pairsIn)) {
    const name = nv.attributes["name"] ?? "";
    const value = nv.attributes["value"] ?? "";
    const dropped = OPTION_DROPPED[name];
    const renamed = OPTION_RENAMES[name];
    if (dropped) c.notes.push(`cluster option ${name}=${value} dropped: ${dropped}`);
    else if (renamed?.section === "rsc_defaults") defaults.push([renamed.name, value]);
    else options.push([renamed?.name ?? name.replace(/_/g, "-"), value]);
  }
  if (!options.some(([name]) => name === "stonith-enabled")) {
    options.push(["stonith-enabled", "false"]);
    c.notes.push("Heartbeat 2.0 fenced nothing unless told to: stonith-enabled=false is written explicitly; add fence devices and enable it");
  }
  return { options: nvset(c, "cluster_property_set", "cib-bootstrap-options", options), defaults };
}

function convertOp(c: Converter, op: XmlElement, owner: string, meta: [string, string][]): XmlElement {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(op.attributes)) {
    if (name === "id") continue;
    if (name === "disabled") attributes["enabled"] = /true|yes|1/i.test(value) ? "false" : "true";
    else if (name === "prereq") {
      meta.push(["requires", value]);
      c.notes.push(`${owner}: op prereq=${value} became the meta attribute requires`);
    } else attributes[OP_RENAMES[name] ?? name] = value;
  }
  const name = attributes["name"] ?? "op";
  const interval = attributes["interval"] ?? "0";
  return makeElement("op", { id: freshId(c, op.attributes["id"] ?? makeId(owner, name, interval)), name, interval, ...attributes });
}

function convertResource(c: Converter, element: XmlElement): XmlElement | undefined {
  const kinds: Record<string, string> = { primitive: "primitive", group: "group", clone: "clone", master_slave: c.profile.promotableElement };
  const kind = kinds[element.name];
  if (!kind) return undefined;
  const oldId = element.attributes["id"] ?? element.name;
  const id = freshId(c, oldId);
  if (id !== oldId) c.renamed.set(oldId, id);
  const meta: [string, string][] = [];
  const params: [string, string][] = [];
  const toMeta = (name: string, value: string) => {
    const modern = metaName(name, c.profile.promotedMax, c.profile.promotedNodeMax);
    meta.push([modern, modern === "target-role" ? (roleName(c, value) ?? value) : value]);
  };
  for (const [name, value] of Object.entries(element.attributes)) if (!IDENTITY_ATTRIBUTES.has(name)) toMeta(name, value);
  for (const nv of childrenNamed(element, "meta_attributes").flatMap(pairsIn)) toMeta(nv.attributes["name"] ?? "", nv.attributes["value"] ?? "");
  for (const nv of childrenNamed(element, "instance_attributes").flatMap(pairsIn)) {
    const name = nv.attributes["name"] ?? "";
    // On a container every instance attribute was a meta option.
    if (element.name !== "primitive" || META_FROM_INSTANCE.has(name)) toMeta(name, nv.attributes["value"] ?? "");
    else params.push([name, nv.attributes["value"] ?? ""]);
  }
  if (element.name === "master_slave" && c.profile.promotableElement === "clone") meta.unshift(["promotable", "true"]);

  let { class: cls, provider, type } = element.attributes;
  if (kind === "primitive" && cls === "ocf" && provider === "heartbeat" && type === "Xen") {
    [provider, type] = [OCF_PROVIDER, "XenDomain"];
    c.notes.push(`${id}: ocf:heartbeat:Xen became ocf:${OCF_PROVIDER}:XenDomain (same parameter names)`);
  }
  const ops = childrenNamed(childNamed(element, "operations") ?? makeElement("x", {}), "op").map((op) => convertOp(c, op, id, meta));
  const children = element.children
    .filter((child) => ["primitive", "group", "clone", "master_slave"].includes(child.name))
    .map((child) => convertResource(c, child))
    .filter((child): child is XmlElement => child !== undefined);
  return makeElement(
    kind,
    { id, ...(kind === "primitive" ? { class: cls, provider: cls === "ocf" ? provider : undefined, type } : {}), description: element.attributes["description"] },
    [
      ...nvset(c, "instance_attributes", makeId(id, "instance_attributes"), params),
      ...nvset(c, "meta_attributes", makeId(id, "meta_attributes"), [...new Map(meta)]),
      ...(ops.length > 0 ? [makeElement("operations", {}, ops)] : []),
      ...children,
    ],
  );
}

const roleName = (c: Converter, role: string | undefined): string | undefined => {
  const lower = role?.toLowerCase();
  if (lower === undefined) return undefined;
  if (lower === "master") return c.profile.promotedRole;
  if (lower === "slave") return c.profile.unpromotedRole;
  return lower.charAt(0).toUpperCase() + lower.slice(1);
};

const upper = (score: string | undefined): string | undefined => score?.split(".")[0]?.toUpperCase();

function convertRule(c: Converter, rule: XmlElement, owner: string): XmlElement {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(rule.attributes)) if (name !== "id") attributes[RULE_RENAMES[name] ?? name] = name === "score" ? (upper(value) ?? value) : value;
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
    return makeElement("rsc_colocation", { id, rsc: rsc(a["from"]), "rsc-role": roleName(c, a["from_role"]), "with-rsc": rsc(a["to"]), "with-rsc-role": roleName(c, a["to_role"]), score });
  }
  if (element.name !== "rsc_order") return undefined;
  const before = (a["type"] ?? "after") === "before";
  const action = a["action"] ?? "start";
  const kind = score === undefined || score === "INFINITY" ? "Mandatory" : score === "0" ? "Optional" : "Mandatory";
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

export function importHeartbeat(text: string, schema: SchemaName): ImportResult {
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
  const c: Converter = { profile: SCHEMA_PROFILES[schema], notes: [], used: new Set(), renamed: new Map() };
  const section = (name: string): XmlElement => childNamed(configuration, name) ?? makeElement(name, {});

  const { options, defaults } = convertOptions(c, childNamed(configuration, "crm_config"));
  const nodes = childrenNamed(section("nodes"), "node").map((node) => {
    const pairs = childrenNamed(node, "instance_attributes").flatMap(pairsIn);
    const attributes = pairs.map((nv) => [nv.attributes["name"] ?? "", nv.attributes["value"] ?? ""] as const);
    const type = node.attributes["type"] === "normal" ? "member" : node.attributes["type"];
    return makeElement("node", { ...node.attributes, type }, nvset(c, "instance_attributes", makeId("nodes", node.attributes["uname"] ?? "node"), attributes));
  });
  const resources = section("resources").children.map((r) => convertResource(c, r)).filter((r): r is XmlElement => r !== undefined);
  const constraints = section("constraints").children.map((e) => convertConstraint(c, e)).filter((e): e is XmlElement => e !== undefined);
  for (const [old, id] of c.renamed) c.notes.push(`resource id '${old}' is not a valid XML ID; renamed to '${id}'`);
  if (childNamed(root, "status")) c.notes.push("the <status> section was dropped: it describes the old cluster's state, not its configuration");

  const rootAttributes = Object.fromEntries(ROOT_KEPT.map((name) => [name, root.attributes[name] ?? "0"]));
  const cib = makeElement("cib", { "validate-with": c.profile.validateWith, ...rootAttributes }, [
    makeElement("configuration", {}, [
      makeElement("crm_config", {}, options),
      ...(defaults.length > 0 ? [makeElement("rsc_defaults", {}, nvset(c, "meta_attributes", "rsc-options", defaults))] : []),
      makeElement("nodes", {}, nodes),
      makeElement("resources", {}, resources),
      makeElement("constraints", {}, constraints),
    ]),
  ]);
  return { ok: true, text: writeXml(cib), notes: [...new Set(c.notes)] };
}
