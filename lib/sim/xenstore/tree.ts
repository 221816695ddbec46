import type { DomainRecord, HostRecord } from "../host/model.ts";

/**
 * The xenstore a dom0 tool sees, derived from the host's state: xenstored
 * keeps no state of its own in the simulator, so what the tree shows is
 * always what the hypervisor state says (doc/xenstore.md §2). Paths are the
 * ones libxl writes for every domain: /local/domain/N/{name,domid,vm,...},
 * /vm/UUID/{name,uuid}, /libxl/N/type. A domain loses its subtree when
 * destroy removes it (`name === null` in the record), as libxl's xs_rm does
 * before the destroy hypercall.
 */
export type XenstoreTree = ReadonlyMap<string, string>;

function add(tree: Map<string, string>, path: string, value: string): void {
  // every ancestor exists, with an empty value, as xenstored creates them
  const parts = path.split("/").filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const ancestor = `/${parts.slice(0, i).join("/")}`;
    if (!tree.has(ancestor)) tree.set(ancestor, "");
  }
  tree.set(path, value);
}

function addDomain(tree: Map<string, string>, domain: DomainRecord): void {
  if (domain.name === null) return;
  const base = `/local/domain/${domain.domid}`;
  add(tree, base, "");
  add(tree, `${base}/vm`, `/vm/${domain.uuid}`);
  add(tree, `${base}/name`, domain.name);
  add(tree, `${base}/domid`, String(domain.domid));
  add(tree, `${base}/memory/target`, String(domain.targetMiB * 1024));
  if (domain.control !== null) add(tree, `${base}/control/shutdown`, domain.control);
  add(tree, `/vm/${domain.uuid}/uuid`, domain.uuid);
  add(tree, `/vm/${domain.uuid}/name`, domain.name);
  add(tree, `/libxl/${domain.domid}/type`, domain.type);
}

export function xenstoreTree(record: HostRecord): XenstoreTree {
  const tree = new Map<string, string>([["/", ""]]);
  add(tree, "/local/domain/0/name", "Domain-0");
  add(tree, "/local/domain/0/domid", "0");
  add(tree, "/vm", "");
  add(tree, "/libxl", "");
  for (const domain of record.domains) addDomain(tree, domain);
  return tree;
}

/** Every node's children at once, in creation order: a walk over the whole tree stays linear. */
export function childIndex(tree: XenstoreTree): ReadonlyMap<string, readonly string[]> {
  const index = new Map<string, string[]>();
  for (const path of tree.keys()) {
    if (path === "/") continue;
    const cut = path.lastIndexOf("/");
    const parent = cut === 0 ? "/" : path.slice(0, cut);
    const list = index.get(parent) ?? [];
    list.push(path.slice(cut + 1));
    index.set(parent, list);
  }
  return index;
}

/** The direct children of `path`, in creation order (how xenstored keeps them). */
export function childrenOf(tree: XenstoreTree, path: string): string[] {
  const prefix = path === "/" ? "/" : `${path}/`;
  const names = new Set<string>();
  for (const key of tree.keys()) {
    if (key === path || !key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length).split("/")[0];
    if (name) names.add(name);
  }
  return [...names];
}

/**
 * What xenstored's domain bookkeeping knows of each domain: running, shut
 * down (any reason; flagged once, C xenstored check_domains), or dying/gone.
 * `@releaseDomain` fires when a domain moves to a later phase or vanishes;
 * `@introduceDomain` when a new domid appears.
 */
export type DomainPhase = "running" | "shutdown" | "dying";

export function domainPhases(record: HostRecord): ReadonlyMap<number, DomainPhase> {
  return new Map(
    record.domains.map((d): [number, DomainPhase] => [d.domid, d.dying || d.name === null ? "dying" : d.shutdownReason !== null ? "shutdown" : "running"]),
  );
}

const RANK: Readonly<Record<DomainPhase, number>> = { running: 0, shutdown: 1, dying: 2 };

/** The special events between two looks at the domains (anonymous, coalesced: at most one of each). */
export function specialEvents(before: ReadonlyMap<number, DomainPhase>, after: ReadonlyMap<number, DomainPhase>): string[] {
  const events: string[] = [];
  const released = [...before].some(([domid, phase]) => {
    const now = after.get(domid);
    return now === undefined ? phase !== "dying" : RANK[now] > RANK[phase];
  });
  if (released) events.push("@releaseDomain");
  if ([...after.keys()].some((domid) => !before.has(domid))) events.push("@introduceDomain");
  return events;
}

/**
 * The nodes whose change a path watch hears about: each added, removed or
 * changed node, except that a removed subtree is announced once, at its top
 * (xenstored fires the watches of a removed node's ancestors for the node
 * removed, and a watch inside the subtree with its own path).
 */
export interface TreeChanges {
  /** Every node written (added or changed), and the top of every removed subtree. */
  readonly nodes: readonly string[];
  readonly removedTops: readonly string[];
}

export function treeChanges(before: XenstoreTree, after: XenstoreTree): TreeChanges {
  const written: string[] = [];
  for (const [path, value] of after) if (before.get(path) !== value) written.push(path);
  const removed = new Set([...before.keys()].filter((path) => !after.has(path)));
  const removedTops = [...removed].filter((path) => !removed.has(path.slice(0, path.lastIndexOf("/")) || "/"));
  return { nodes: [...written, ...removedTops], removedTops };
}

/**
 * The event paths one watch gets for a set of changes: a change at or below
 * the watched path names the changed node; a removal above it names the
 * watched path itself. Special (`@`) paths match only special events, and
 * only exactly (no depth extension before Xen 4.22).
 */
export function eventsFor(watched: string, changes: TreeChanges, special: readonly string[]): string[] {
  if (watched.startsWith("@")) return special.filter((event) => event === watched);
  const below = watched === "/" ? "/" : `${watched}/`;
  const events = changes.nodes.filter((node) => node === watched || node.startsWith(below));
  if (changes.removedTops.some((top) => watched.startsWith(`${top}/`))) events.push(watched);
  return events;
}
