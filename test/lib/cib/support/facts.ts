import type { GraphAction, Transition } from "../../../../lib/cib/plan/transition.ts";
import { runningOn } from "../../../../lib/cib/plan/transition.ts";

/**
 * A small language for what a transition must show, so simulate cases read
 * like the sentences:
 *   fence NODE                      a host is fenced
 *   OP RSC on NODE                  an executed operation (start, stop, migrate_to,
 *                                   migrate_from, promote, demote); NODE may be *
 *   FACT after FACT                 the first waits, directly or not, for the second
 *   running RSC on NODE | stopped RSC    the state after the transition
 *   not FACT                        the fact does not hold
 * A resource named without an instance suffix matches its clone instances.
 */
const baseId = (id: string | undefined): string => (id ?? "").replace(/:\d+$/, "");

function matching(t: Transition, words: readonly string[]): GraphAction[] {
  if (words[0] === "fence" && words.length === 2) return t.actions.filter((a) => a.kind === "fence" && a.node === words[1]);
  const [op, rsc, on, node] = words;
  if (words.length !== 4 || on !== "on") throw new Error(`cannot read '${words.join(" ")}'`);
  return t.actions.filter((a) => a.kind === "rsc" && a.operation === op && baseId(a.resource) === rsc && (node === "*" || a.node === node));
}

function waitsFor(t: Transition, later: GraphAction, earlier: readonly GraphAction[]): boolean {
  const byId = new Map(t.actions.map((a) => [a.id, a]));
  const targets = new Set(earlier.map((a) => a.id));
  const seen = new Set<string>();
  const queue = [...later.after];
  while (queue.length > 0) {
    const id = queue.pop() as string;
    if (targets.has(id)) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    queue.push(...(byId.get(id)?.after ?? []));
  }
  return false;
}

export function holds(t: Transition, fact: string): boolean {
  const words = fact.trim().split(/\s+/);
  if (words[0] === "not") return !holds(t, words.slice(1).join(" "));
  const after = words.indexOf("after");
  if (after > 0) {
    const later = matching(t, words.slice(0, after));
    const earlier = matching(t, words.slice(after + 1));
    return later.length > 0 && earlier.length > 0 && later.every((action) => waitsFor(t, action, earlier));
  }
  if (words[0] === "running" && words[2] === "on" && words.length === 4) return t.after !== undefined && runningOn(t.after, words[1] ?? "").includes(words[3] ?? "");
  if (words[0] === "stopped" && words.length === 2) return t.after !== undefined && runningOn(t.after, words[1] ?? "").length === 0;
  return matching(t, words).length > 0;
}

/** The executed actions in the fact language, for failure messages. */
export const describeActions = (t: Transition): string[] =>
  t.actions
    .filter((a) => a.kind === "rsc" || a.kind === "fence")
    .map((a) => (a.kind === "fence" ? `fence ${a.node ?? "?"}` : `${a.operation} ${a.resource ?? "?"} on ${a.node ?? "?"}`));
