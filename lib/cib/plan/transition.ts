import { childNamed, childrenNamed, parseXml, type XmlElement } from "../../xml/parse.ts";

/**
 * What crm_simulate --output-as=xml and its -G transition graph say, as
 * values: the summary lines (<actions>), every executed action, the ordering
 * edges between them, and the cluster status before and after.
 */
export interface SummaryEntry {
  /** start, stop, move, migrate, restart, recover, promote, demote, fence, ... */
  readonly action: string;
  readonly resource: string | undefined;
  readonly node: string | undefined;
  readonly source: string | undefined;
  readonly dest: string | undefined;
  readonly reason: string | undefined;
  readonly blocked: boolean;
}

export interface GraphAction {
  readonly id: string;
  /** "rsc" for resource operations, "pseudo" for implied ones, "fence", "cluster". */
  readonly kind: "rsc" | "pseudo" | "fence" | "cluster";
  readonly operation: string;
  /** operation_key, e.g. "vm-web_start_0" or "stonith-xen01-reboot". */
  readonly key: string;
  readonly resource: string | undefined;
  readonly node: string | undefined;
  /** Ids of the actions this one waits for. */
  readonly after: readonly string[];
}

export interface NodeStatus {
  readonly name: string;
  readonly online: boolean;
  readonly unclean: boolean;
  readonly standby: boolean;
  readonly health: string | undefined;
}

export interface ResourceStatus {
  readonly id: string;
  readonly role: string;
  readonly nodes: readonly string[];
}

export interface ClusterStatus {
  readonly nodes: readonly NodeStatus[];
  readonly resources: readonly ResourceStatus[];
}

export interface Transition {
  readonly summary: readonly SummaryEntry[];
  readonly actions: readonly GraphAction[];
  readonly before: ClusterStatus;
  readonly after: ClusterStatus | undefined;
  /** What crm_simulate reported as failed (e.g. "Transition failed: terminated" when actions stay blocked). */
  readonly errors: readonly string[];
}

const attr = (element: XmlElement, name: string): string | undefined => element.attributes[name];
const NONE: XmlElement = { name: "", attributes: {}, children: [], text: "", line: undefined };

function readStatus(element: XmlElement | undefined): ClusterStatus {
  const nodes = childrenNamed(childNamed(element ?? NONE, "nodes") ?? NONE, "node");
  const resources: ResourceStatus[] = [];
  const visit = (e: XmlElement): void => {
    if (e.name === "resource") {
      resources.push({ id: attr(e, "id") ?? "", role: attr(e, "role") ?? "", nodes: childrenNamed(e, "node").map((n) => attr(n, "name") ?? "") });
    }
    e.children.forEach(visit);
  };
  const section = element && childNamed(element, "resources");
  if (section) visit(section);
  return {
    nodes: nodes.map((n) => ({
      name: attr(n, "name") ?? "",
      online: attr(n, "online") === "true",
      unclean: attr(n, "unclean") === "true",
      standby: attr(n, "standby") === "true",
      health: attr(n, "health"),
    })),
    resources,
  };
}

function readSummary(actions: XmlElement | undefined): SummaryEntry[] {
  return (actions?.children ?? []).map((entry) => {
    const fence = entry.name === "node_action";
    return {
      action: fence ? "fence" : (attr(entry, "action") ?? ""),
      resource: attr(entry, "resource"),
      node: attr(entry, "node"),
      source: attr(entry, "source"),
      dest: attr(entry, "dest"),
      reason: fence ? attr(entry, "task") && `${attr(entry, "task") ?? ""}: ${attr(entry, "reason") ?? ""}` : attr(entry, "reason"),
      blocked: attr(entry, "blocked") === "true",
    };
  });
}

const KINDS: Readonly<Record<string, GraphAction["kind"]>> = { rsc_op: "rsc", pseudo_event: "pseudo", crm_event: "fence" };

function readGraph(graph: XmlElement | undefined): GraphAction[] {
  return childrenNamed(graph ?? NONE, "synapse").flatMap((synapse) => {
    const action = childNamed(synapse, "action_set")?.children[0];
    if (!action) return [];
    const after = (childNamed(synapse, "inputs")?.children ?? [])
      .map((trigger) => trigger.children[0] && attr(trigger.children[0], "id"))
      .filter((id): id is string => id !== undefined);
    const operation = attr(action, "operation") ?? "";
    const kind = action.name === "crm_event" && operation !== "stonith" ? "cluster" : (KINDS[action.name] ?? "cluster");
    return [
      {
        id: attr(action, "id") ?? "",
        kind,
        operation,
        key: attr(action, "operation_key") ?? operation,
        resource: childNamed(action, "primitive")?.attributes["id"] ?? keyResource(attr(action, "operation_key"), operation),
        node: attr(action, "on_node"),
        after,
      },
    ];
  });
}

/** "vm-web_stop_0" -> "vm-web" (pseudo actions carry no primitive element). */
function keyResource(key: string | undefined, operation: string): string | undefined {
  if (key === undefined) return undefined;
  const marker = key.lastIndexOf(`_${operation}_`);
  return marker > 0 ? key.slice(0, marker) : undefined;
}

export type TransitionResult = { readonly ok: true; readonly transition: Transition } | { readonly ok: false; readonly problem: string };

/** Reads crm_simulate's XML output and, when given, the -G graph file's text. */
export function readTransition(simulateXml: string, graphXml: string | undefined): TransitionResult {
  const result = parseXml(simulateXml);
  if (!result.ok) return { ok: false, problem: `crm_simulate output is not XML: ${result.problem}` };
  let graph: XmlElement | undefined;
  if (graphXml !== undefined && graphXml.trim() !== "") {
    const parsed = parseXml(graphXml);
    if (!parsed.ok) return { ok: false, problem: `transition graph is not XML: ${parsed.problem}` };
    graph = parsed.root;
  }
  const root = result.root;
  const revised = childNamed(root, "revised_cluster_status");
  return {
    ok: true,
    transition: {
      summary: readSummary(childNamed(root, "actions")),
      actions: readGraph(graph),
      before: readStatus(childNamed(root, "cluster_status")),
      after: revised ? readStatus(revised) : undefined,
      errors: childrenNamed(childNamed(childNamed(root, "status") ?? NONE, "errors") ?? NONE, "error").map((e) => e.text.trim()),
    },
  };
}

/** Where a resource runs in a status (no node: stopped). */
export const runningOn = (status: ClusterStatus, id: string): readonly string[] =>
  status.resources.filter((r) => r.id === id).flatMap((r) => r.nodes);
