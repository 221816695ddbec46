import { childNamed, type XmlElement } from "../../xml/parse.ts";
import { makeElement, writeXml } from "../model/write.ts";

/**
 * Merging a rendered CIB (or one section of it) into a live CIB, the way
 * `crm configure load update` does: elements are matched by id and added or
 * replaced, option sets are merged name by name, nodes are matched by uname
 * (the live node id is kept: it is corosync's), and nothing is ever removed.
 */
export interface Change {
  readonly kind: "add" | "change" | "same";
  /** "primitive vm-web", "cluster option stonith-enabled", "node xen01". */
  readonly what: string;
  readonly before: string | undefined;
  readonly after: string;
}

export type MergeResult =
  | { readonly ok: true; readonly cib: XmlElement; readonly changes: readonly Change[]; readonly notes: readonly string[] }
  | { readonly ok: false; readonly problem: string };

const SECTION_ORDER = ["crm_config", "rsc_defaults", "op_defaults", "nodes", "resources", "constraints", "fencing-topology"];
const OPTION_SECTIONS = new Set(["crm_config", "rsc_defaults", "op_defaults"]);

const withChildren = (element: XmlElement, children: readonly XmlElement[]): XmlElement => ({ ...element, children });
const text = (element: XmlElement): string => writeXml(element);
const label = (element: XmlElement): string => `${element.name} ${element.attributes["id"] ?? element.attributes["uname"] ?? ""}`.trim();

/** The incoming sections, whether the file is a whole CIB, a <configuration> or one section. */
function incomingSections(root: XmlElement): XmlElement[] | undefined {
  if (root.name === "cib") return childNamed(root, "configuration")?.children.slice() ?? [];
  if (root.name === "configuration") return root.children.slice();
  return SECTION_ORDER.includes(root.name) ? [root] : undefined;
}

/**
 * Option sets: merge nvpairs by name into the matching set (same id; for a
 * node's sets, the one set of the same kind, whatever its id).
 */
function mergeOptions(live: XmlElement, incoming: XmlElement, changes: Change[], matchKind = false): XmlElement {
  const sets = live.children.slice();
  for (const set of incoming.children) {
    const sameKind = sets.filter((s) => s.name === set.name);
    const index =
      matchKind && sameKind.length === 1
        ? sets.indexOf(sameKind[0] as XmlElement)
        : sets.findIndex((s) => s.name === set.name && s.attributes["id"] === set.attributes["id"]);
    if (index === -1) {
      sets.push(set);
      for (const pair of set.children) changes.push({ kind: "add", what: `${incoming.name} option ${pair.attributes["name"] ?? ""}`, before: undefined, after: pair.attributes["value"] ?? "" });
      continue;
    }
    const target = sets[index] as XmlElement;
    const pairs = target.children.slice();
    for (const pair of set.children) {
      const name = pair.attributes["name"];
      const at = pairs.findIndex((p) => p.name === "nvpair" && p.attributes["name"] === name);
      const what = `${incoming.name} option ${name ?? ""}`;
      const value = pair.attributes["value"] ?? "";
      if (at === -1) {
        pairs.push(pair);
        changes.push({ kind: "add", what, before: undefined, after: value });
      } else {
        const old = pairs[at] as XmlElement;
        const before = old.attributes["value"] ?? "";
        changes.push({ kind: before === value ? "same" : "change", what, before, after: value });
        pairs[at] = makeElement("nvpair", { ...old.attributes, value });
      }
    }
    sets[index] = withChildren(target, pairs);
  }
  return withChildren(live, sets);
}

/** Nodes by uname; their attribute and utilization sets are merged like options. */
function mergeNodes(live: XmlElement, incoming: XmlElement, changes: Change[], notes: string[]): XmlElement {
  const nodes = live.children.slice();
  const liveIds = new Set(nodes.map((n) => n.attributes["id"]));
  for (const node of incoming.children) {
    const uname = node.attributes["uname"];
    const index = nodes.findIndex((n) => n.attributes["uname"] === uname);
    if (index === -1) {
      const id = liveIds.has(node.attributes["id"]) ? (uname ?? "") : (node.attributes["id"] ?? uname ?? "");
      if (liveIds.size > 0) notes.push(`node ${uname ?? "?"} is not in the live CIB; it is added with id '${id}' - check it matches its corosync node id`);
      const added = makeElement("node", { ...node.attributes, id }, node.children);
      nodes.push(added);
      changes.push({ kind: "add", what: `node ${uname ?? ""}`, before: undefined, after: text(added) });
      continue;
    }
    const old = nodes[index] as XmlElement;
    const merged = mergeOptions(old, node, [], true);
    nodes[index] = merged;
    const before = text(old);
    const after = text(merged);
    changes.push({ kind: before === after ? "same" : "change", what: `node ${uname ?? ""}`, before, after });
  }
  return withChildren(live, nodes);
}

/** Resources, constraints, fencing levels and the rest: by id, replace or append. */
function upsertById(live: XmlElement, incoming: XmlElement, changes: Change[]): XmlElement {
  const children = live.children.slice();
  for (const element of incoming.children) {
    const id = element.attributes["id"];
    let index = children.findIndex((c) => c.attributes["id"] === id);
    if (index === -1 && element.name === "fencing-level") {
      // one level per target and index: a level at the same place is replaced
      index = children.findIndex((c) => c.attributes["target"] === element.attributes["target"] && c.attributes["index"] === element.attributes["index"]);
    }
    if (index === -1) {
      children.push(element);
      changes.push({ kind: "add", what: label(element), before: undefined, after: text(element) });
      continue;
    }
    const old = children[index] as XmlElement;
    const before = text(old);
    const after = text(element);
    changes.push({ kind: before === after ? "same" : "change", what: label(element), before, after });
    children[index] = element;
  }
  return withChildren(live, children);
}

export function mergeInto(live: XmlElement, incomingRoot: XmlElement): MergeResult {
  const sections = incomingSections(incomingRoot);
  if (!sections) return { ok: false, problem: `<${incomingRoot.name}> is neither a CIB nor a configuration section` };
  const configuration = childNamed(live, "configuration");
  if (live.name !== "cib" || !configuration) return { ok: false, problem: "the live CIB has no <configuration>" };
  const changes: Change[] = [];
  const notes: string[] = [];
  const liveSections = configuration.children.slice();
  for (const section of sections) {
    const index = liveSections.findIndex((s) => s.name === section.name);
    const base = index === -1 ? makeElement(section.name, {}) : (liveSections[index] as XmlElement);
    const merged = OPTION_SECTIONS.has(section.name)
      ? mergeOptions(base, section, changes)
      : section.name === "nodes"
        ? mergeNodes(base, section, changes, notes)
        : upsertById(base, section, changes);
    if (index === -1) liveSections.push(merged);
    else liveSections[index] = merged;
  }
  const cib = withChildren(live, live.children.map((child) => (child === configuration ? withChildren(configuration, liveSections) : child)));
  return { ok: true, cib, changes, notes };
}
