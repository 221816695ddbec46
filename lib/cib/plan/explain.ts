import { deviceTargets, fenceDevices } from "../check/fencing.ts";
import type { Cib } from "../model/model.ts";
import { pairValue } from "../model/queries.ts";
import { isDomainAgent } from "./placement.ts";
import { INFINITY, parseScore } from "../model/scores.ts";
import type { SimEvent, SimStep } from "./simulate.ts";
import { runningOn, type ClusterStatus, type GraphAction, type SummaryEntry, type Transition } from "./transition.ts";

/**
 * A transition in plain words: which hosts are fenced (and by which device),
 * which domains live-migrate, which restart elsewhere after fencing, which are
 * left stopped and why. Domains come first; other resources are summarised.
 */
export function describeEvent(event: SimEvent): string {
  switch (event.kind) {
    case "fail":
      return `${event.node} fails (crash or power loss)`;
    case "standby":
      return `${event.node} is put in standby`;
    case "move":
      return `${event.resource} is moved to ${event.node}`;
    case "attribute":
      return `${event.node} gets ${event.name}=${event.value}`;
  }
}

/** "drbd-pool:1" -> "drbd-pool": clone instances are named after their primitive. */
const baseId = (id: string | undefined): string => (id ?? "").replace(/:\d+$/, "");

function fencedBy(cib: Cib, node: string): string {
  const levels = cib.fencingLevels.filter((l) => l.target === node).sort((a, b) => Number(a.index) - Number(b.index));
  const devices = fenceDevices(cib);
  const describe = (id: string): string => {
    const device = devices.find((d) => d.id === id);
    if (!device) return `${id} (not a fence device)`;
    // A fence_xen device fences a guest by destroying its domain through the dom0s.
    const dom0s = pairValue(device.params, "dom0_list");
    const plug = (pairValue(device.params, "pcmk_host_map") ?? "")
      .split(/[;\s]+/)
      .map((entry) => entry.split(/[:=]/))
      .find(([host]) => host === node)?.[1];
    const through = dom0s ? `: destroys domain ${plug ?? node} through dom0 ${dom0s.split(/[\s,]+/).join(" or ")}` : "";
    return `${id} (${device.agent}${through})`;
  };
  if (levels.length > 0) return levels.map((l) => `level ${l.index ?? "?"}: ${l.devices.map(describe).join(" + ")}`).join(", then ");
  const able = devices.filter((d) => deviceTargets(d)?.includes(node) ?? true);
  return able.length > 0 ? able.map((d) => describe(d.id)).join(" or ") : "no configured device";
}

/** Every action `action` waits for, directly or not. */
function prerequisites(actions: readonly GraphAction[], action: GraphAction): GraphAction[] {
  const byId = new Map(actions.map((a) => [a.id, a]));
  const seen = new Set<string>();
  const queue = [...action.after];
  const found: GraphAction[] = [];
  while (queue.length > 0) {
    const id = queue.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const before = byId.get(id);
    if (!before) continue;
    found.push(before);
    queue.push(...before.after);
  }
  return found;
}

/** Whether the start of `resource` on `node` waits for the fencing of `fenced`. */
function startsAfterFencing(transition: Transition, resource: string, node: string | undefined, fenced: string): boolean {
  const start = transition.actions.find((a) => a.kind === "rsc" && a.operation === "start" && baseId(a.resource) === resource && a.node === node);
  return start !== undefined && prerequisites(transition.actions, start).some((a) => a.kind === "fence" && a.node === fenced);
}

function freeCapacity(cib: Cib, status: ClusterStatus): Map<string, Record<string, number>> {
  const free = new Map<string, Record<string, number>>();
  for (const node of status.nodes.filter((n) => n.online && !n.standby)) {
    const def = cib.nodes.find((n) => n.uname === node.name);
    free.set(node.name, Object.fromEntries((def?.utilization ?? []).map((p) => [p.name, Number(p.value) || 0])));
  }
  for (const primitive of cib.primitives) {
    for (const node of runningOn(status, primitive.id)) {
      const left = free.get(node);
      if (!left) continue;
      for (const p of primitive.utilization) left[p.name] = (left[p.name] ?? 0) - (Number(p.value) || 0);
    }
  }
  return free;
}

/** Why a domain could not be placed, when utilization explains it. */
function capacityReason(cib: Cib, status: ClusterStatus, id: string): string | undefined {
  const need = cib.primitives.find((p) => p.id === id)?.utilization ?? [];
  if (need.length === 0) return undefined;
  const free = freeCapacity(cib, status);
  const short = need.find((p) => [...free.values()].every((left) => (left[p.name] ?? 0) < (Number(p.value) || 0)));
  if (!short) return undefined;
  const best = Math.max(0, ...[...free.values()].map((left) => left[short.name] ?? 0));
  return `no running host has room for it (needs ${short.name}=${short.value}, at most ${best} free)`;
}

/** Why a domain stays stopped when the domains it must never share a host with (-INFINITY colocations) hold the hosts. */
function apartReason(cib: Cib, status: ClusterStatus, id: string): string | undefined {
  const peers = cib.constraints
    .filter((c) => c.kind === "rsc_colocation" && parseScore(c.attributes["score"]) === -INFINITY)
    .flatMap((c) => (c.attributes["rsc"] === id ? [c.attributes["with-rsc"] ?? ""] : c.attributes["with-rsc"] === id ? [c.attributes["rsc"] ?? ""] : []));
  const holders = peers.flatMap((peer) => runningOn(status, peer).map((node) => `${peer} on ${node}`));
  return holders.length === 0 ? undefined : `kept apart from ${holders.join(", ")} (-INFINITY colocation)`;
}

/** Why a domain moves when crm_simulate gives no reason: the event that touched its host or itself. */
function eventReason(events: readonly SimEvent[], id: string, source: string | undefined): string {
  for (const event of events) {
    if (event.kind === "attribute" && event.node === source) return ` (${event.node} now has ${event.name}=${event.value})`;
    if (event.kind === "standby" && event.node === source) return ` (${event.node} is in standby)`;
    if (event.kind === "move" && event.resource === id) return " (moved on request)";
  }
  return "";
}

function domainLine(t: Transition, events: readonly SimEvent[], entry: SummaryEntry): string {
  const id = entry.resource ?? "";
  const reason = entry.reason ? ` (${entry.reason})` : eventReason(events, id, entry.source ?? entry.node);
  const blocked = entry.blocked ? " - blocked, nothing happens" : "";
  switch (entry.action) {
    case "migrate":
      return `live-migrated: ${id} ${entry.source ?? "?"} -> ${entry.dest ?? "?"} (migrate_to, migrate_from; no restart)${blocked}`;
    case "move": {
      const source = entry.source ?? "?";
      if (!t.summary.some((e) => e.action === "fence" && e.node === source)) {
        return `moved cold: ${id} stops on ${source} and starts on ${entry.dest ?? "?"}${reason}${blocked}`;
      }
      return startsAfterFencing(t, id, entry.dest, source)
        ? `restarted after fencing: ${id} starts on ${entry.dest ?? "?"} once ${source}, where it ran, is fenced${blocked}`
        : `restarted WITHOUT waiting for fencing: ${id} starts on ${entry.dest ?? "?"} while ${source} may still run it${blocked}`;
    }
    case "start":
      return `started: ${id} on ${entry.node ?? "?"}${reason}${blocked}`;
    case "stop":
      return `stopped: ${id} on ${entry.node ?? "?"}${reason}${blocked}`;
    case "recover":
    case "restart":
      return `restarted in place: ${id} on ${entry.node ?? "?"}${reason}${blocked}`;
    default:
      return `${entry.action}: ${id} ${entry.node ?? ""}${reason}${blocked}`.trim();
  }
}

export interface Explanation {
  readonly title: string;
  readonly lines: readonly string[];
}

export function explainStep(cib: Cib, step: SimStep): Explanation {
  const t = step.transition;
  const domains = new Set(cib.primitives.filter((p) => isDomainAgent(p.agent)).map((p) => p.id));
  const lines: string[] = [];
  for (const entry of t.summary.filter((e) => e.action === "fence")) {
    // crm_simulate names a guest node "guest1 (resource: vm-guest1)": its fencing is stopping that resource.
    const guest = /^(\S+) \(resource: (\S+)\)$/.exec(entry.node ?? "");
    const how = guest ? `${guest[1] ?? "?"} (a guest node) by stopping its domain resource ${guest[2] ?? "?"}` : `${entry.node ?? "?"} by ${fencedBy(cib, entry.node ?? "")}`;
    lines.push(`fenced: ${how}${entry.reason ? ` - ${entry.reason}` : ""}`);
  }
  const after = t.after;
  const stopped = after ? [...domains].filter((id) => runningOn(after, id).length === 0) : [];
  const domainEntries = t.summary.filter((e) => e.action !== "fence" && domains.has(baseId(e.resource)));
  const stopEntry = (id: string): SummaryEntry | undefined =>
    domainEntries.find((e) => e.action === "stop" && baseId(e.resource) === id);
  lines.push(...domainEntries.filter((e) => !(e.action === "stop" && stopped.includes(baseId(e.resource)))).map((e) => domainLine(t, step.events, e)));

  if (after) {
    for (const id of stopped) {
      const before = runningOn(t.before, id);
      // Without quorum nothing runs, whatever else would have kept it from running.
      const stop = stopEntry(id)?.reason;
      const why = (stop === "no quorum" ? stop : undefined) ?? capacityReason(cib, after, id) ?? apartReason(cib, after, id) ?? stop ?? "no host is allowed and available for it";
      lines.push(`left stopped: ${id}${before.length > 0 ? ` (was on ${before.join(", ")})` : ""}: ${why}`);
    }
    const touched = new Set([...domainEntries.map((e) => baseId(e.resource)), ...stopped]);
    const unchanged = [...domains].filter((id) => !touched.has(id));
    if (unchanged.length > 0) lines.push(`unchanged: ${unchanged.length === 1 ? "1 domain keeps" : `${unchanged.length} domains keep`} running where ${unchanged.length === 1 ? "it is" : "they are"}`);
  }
  const others = t.summary.filter((e) => e.action !== "fence" && !domains.has(baseId(e.resource)));
  if (others.length > 0) {
    const where = (e: SummaryEntry): string =>
      e.dest ? ` ${e.source ?? "?"}->${e.dest}` : e.node || e.source ? ` on ${e.node ?? e.source ?? ""}` : "";
    lines.push(`other resources: ${others.map((e) => `${e.action} ${e.resource ?? ""}${where(e)}`).join("; ")}`);
  }
  if (t.errors.length > 0) lines.push(`the transition does not finish (${t.errors.join("; ")}): actions waiting for a host that cannot be fenced stay blocked`);
  if (lines.length === 0) lines.push("nothing happens");
  return { title: step.events.map(describeEvent).join(", ") || "the cluster settles", lines };
}
