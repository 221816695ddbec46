import { childNamed, childrenNamed, type ParsedXml, type XmlElement } from "../../xml/tree.ts";

/**
 * A CIB read once into typed values. Only what the checks, the planner and
 * the explanations need is kept; every value remembers its source line.
 */
export interface NvPair {
  readonly id: string | undefined;
  readonly name: string;
  readonly value: string;
  readonly line: number | undefined;
}

export interface OpDef {
  readonly id: string | undefined;
  readonly name: string;
  readonly interval: string;
  readonly timeout: string | undefined;
  readonly role: string | undefined;
  readonly line: number | undefined;
}

export interface PrimitiveDef {
  readonly id: string;
  /** "ocf:xen-ha:XenDomain", "stonith:fence_ipmilan". */
  readonly agent: string;
  readonly params: readonly NvPair[];
  readonly meta: readonly NvPair[];
  readonly utilization: readonly NvPair[];
  readonly ops: readonly OpDef[];
  /** The clone, group or master it belongs to. */
  readonly parent: string | undefined;
  readonly line: number | undefined;
}

export interface ContainerDef {
  readonly id: string;
  readonly kind: "clone" | "master" | "group" | "bundle" | "template";
  readonly meta: readonly NvPair[];
  readonly members: readonly string[];
  readonly parent: string | undefined;
  readonly line: number | undefined;
}

export interface NodeDef {
  readonly id: string;
  readonly uname: string;
  readonly attributes: readonly NvPair[];
  readonly utilization: readonly NvPair[];
  readonly line: number | undefined;
}

/** A constraint, with every resource it names (sets included). */
export interface ConstraintDef {
  readonly kind: "rsc_location" | "rsc_colocation" | "rsc_order" | "rsc_ticket";
  readonly id: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly resources: readonly string[];
  readonly element: XmlElement;
  readonly line: number | undefined;
}

export interface FencingLevelDef {
  readonly id: string | undefined;
  readonly target: string | undefined;
  readonly index: string | undefined;
  readonly devices: readonly string[];
  readonly line: number | undefined;
}

export interface Cib {
  readonly validateWith: string | undefined;
  readonly properties: readonly NvPair[];
  readonly rscDefaults: readonly NvPair[];
  readonly opDefaults: readonly NvPair[];
  readonly nodes: readonly NodeDef[];
  readonly primitives: readonly PrimitiveDef[];
  readonly containers: readonly ContainerDef[];
  readonly constraints: readonly ConstraintDef[];
  readonly fencingLevels: readonly FencingLevelDef[];
  readonly hasStatus: boolean;
  readonly root: XmlElement;
}

export type ReadCibResult = { readonly ok: true; readonly cib: Cib } | { readonly ok: false; readonly problem: string };

/** nvpairs of every set with this tag (Heartbeat's <attributes> wrapper is looked through). */
function pairsOf(element: XmlElement | undefined, tag: string): NvPair[] {
  if (!element) return [];
  return childrenNamed(element, tag).flatMap((set) =>
    [...childrenNamed(set, "nvpair"), ...childrenNamed(set, "attributes").flatMap((a) => childrenNamed(a, "nvpair"))].map(
      (pair) => ({
        id: pair.attributes["id"],
        name: pair.attributes["name"] ?? "",
        value: pair.attributes["value"] ?? "",
        line: pair.line,
      }),
    ),
  );
}

const CONTAINERS = new Set(["clone", "master", "group", "bundle", "template"]);

function readResources(
  element: XmlElement,
  parent: string | undefined,
  primitives: PrimitiveDef[],
  containers: ContainerDef[],
): void {
  for (const child of element.children) {
    const id = child.attributes["id"] ?? "";
    if (child.name === "primitive") {
      const { class: cls = "", provider, type = "" } = child.attributes;
      primitives.push({
        id,
        agent: provider ? `${cls}:${provider}:${type}` : `${cls}:${type}`,
        params: pairsOf(child, "instance_attributes"),
        meta: pairsOf(child, "meta_attributes"),
        utilization: pairsOf(child, "utilization"),
        ops: childrenNamed(childNamed(child, "operations") ?? child, "op").map((op) => ({
          id: op.attributes["id"],
          name: op.attributes["name"] ?? "",
          interval: op.attributes["interval"] ?? "0",
          timeout: op.attributes["timeout"],
          role: op.attributes["role"],
          line: op.line,
        })),
        parent,
        line: child.line,
      });
    } else if (CONTAINERS.has(child.name)) {
      const before = primitives.length;
      readResources(child, id, primitives, containers);
      containers.push({
        id,
        kind: child.name as ContainerDef["kind"],
        meta: pairsOf(child, "meta_attributes"),
        members: primitives.slice(before).map((p) => p.id),
        parent,
        line: child.line,
      });
    }
  }
}

const REFERENCE_ATTRIBUTES = ["rsc", "with-rsc", "first", "then"];

function readConstraint(element: XmlElement): ConstraintDef {
  const sets = childrenNamed(element, "resource_set").flatMap((set) =>
    childrenNamed(set, "resource_ref").map((ref) => ref.attributes["id"] ?? ""),
  );
  const direct = REFERENCE_ATTRIBUTES.map((name) => element.attributes[name]).filter((v): v is string => v !== undefined);
  return {
    kind: element.name as ConstraintDef["kind"],
    id: element.attributes["id"] ?? "",
    attributes: element.attributes,
    resources: [...direct, ...sets],
    element,
    line: element.line,
  };
}

export function readCib(root: XmlElement): ReadCibResult {
  if (root.name !== "cib") return { ok: false, problem: `the root element is <${root.name}>, not <cib>` };
  const configuration = childNamed(root, "configuration");
  if (!configuration) return { ok: false, problem: "the CIB has no <configuration>" };
  const section = (name: string): XmlElement | undefined => childNamed(configuration, name);
  const primitives: PrimitiveDef[] = [];
  const containers: ContainerDef[] = [];
  const resources = section("resources");
  if (resources) readResources(resources, undefined, primitives, containers);
  const constraintsSection = section("constraints");
  return {
    ok: true,
    cib: {
      validateWith: root.attributes["validate-with"],
      properties: pairsOf(section("crm_config"), "cluster_property_set"),
      rscDefaults: pairsOf(section("rsc_defaults"), "meta_attributes"),
      opDefaults: pairsOf(section("op_defaults"), "meta_attributes"),
      nodes: childrenNamed(section("nodes") ?? configuration, "node").map((node) => ({
        id: node.attributes["id"] ?? "",
        uname: node.attributes["uname"] ?? "",
        attributes: pairsOf(node, "instance_attributes"),
        utilization: pairsOf(node, "utilization"),
        line: node.line,
      })),
      primitives,
      containers,
      constraints: (constraintsSection?.children ?? [])
        .filter((c) => ["rsc_location", "rsc_colocation", "rsc_order", "rsc_ticket"].includes(c.name))
        .map(readConstraint),
      fencingLevels: childrenNamed(section("fencing-topology") ?? configuration, "fencing-level").map((level) => ({
        id: level.attributes["id"],
        target: level.attributes["target"],
        index: level.attributes["index"],
        devices: (level.attributes["devices"] ?? "").split(",").filter((d) => d !== ""),
        line: level.line,
      })),
      hasStatus: childNamed(root, "status") !== undefined,
      root,
    },
  };
}

export type CheckInput =
  | { readonly ok: true; readonly cib: Cib }
  | { readonly ok: false; readonly problem: string; readonly line: number | undefined };

/**
 * Reads a parsed CIB; the result says why a text is not a CIB at all. Here
 * rather than with the checks: `cib plan` reads a CIB without loading them.
 * The text is parsed by the caller: read-text.ts (readCibText) or, in the
 * commands, lib/xml/parse-lazily.ts.
 */
export function readCibDocument(parsed: ParsedXml): CheckInput {
  if (!parsed.ok) return { ok: false, problem: `not well-formed XML: ${parsed.problem}`, line: parsed.line };
  const read = readCib(parsed.root);
  if (!read.ok) return { ok: false, problem: read.problem, line: parsed.root.line };
  if (read.cib.validateWith === undefined && parsed.root.attributes["have_quorum"] !== undefined) {
    return { ok: false, problem: "this is a Heartbeat 2.0 CIB; convert it first with 'xen-ha cib import-heartbeat'", line: parsed.root.line };
  }
  return { ok: true, cib: read.cib };
}
