import { CLAIM_OPTIONS, QUORUM_OPTIONS } from "./claims.ts";
import type { Cib } from "./model.ts";
import { property } from "./queries.ts";

/**
 * Whether the hosts left after a failure keep quorum, and what Pacemaker does
 * when they do not (doc/quorum.md). Corosync's votequorum gives every host one
 * vote and expects as many as there are hosts; a partition is quorate while it
 * holds more than half of them. The options that change that live in
 * corosync.conf, so a configuration declares the one it relies on in
 * CLAIM_OPTIONS.quorum:
 *  - two_node (two hosts only): one host alone keeps quorum; assumed for two
 *    hosts, since the cluster setup tools write it for them;
 *  - auto_tie_breaker: exactly half keeps quorum when it holds the host with
 *    the lowest node id;
 *  - last_man_standing: expected votes are recalculated as hosts leave one at
 *    a time, down to two; with auto_tie_breaker as well (not declarable alone
 *    here), one. Hosts failing at the same moment are still counted against
 *    the old expected votes, so the planner assumes one at a time and says so.
 * no-quorum-policy (Pacemaker Explained, "Cluster Options") decides what a
 * partition without quorum does: stop (default), demote (stop for
 * non-promotable resources), suicide (fences itself) stop everything; freeze
 * starts nothing (crm_simulate shows it keeping some running domains and
 * stopping others); ignore carries on.
 */
export type NoQuorumPolicy = "stop" | "freeze" | "ignore" | "demote" | "suicide";
export type QuorumOption = (typeof QUORUM_OPTIONS)[number];

export interface Quorum {
  readonly policy: NoQuorumPolicy;
  /** The declared votequorum option, if any. */
  readonly option: QuorumOption | undefined;
  /** Every configured host (one vote each). */
  readonly hosts: readonly string[];
  /** The host with the lowest node id (the one auto_tie_breaker favours). */
  readonly lowest: string | undefined;
}

const POLICIES: readonly NoQuorumPolicy[] = ["stop", "freeze", "ignore", "demote", "suicide"];

/** Node ids are corosync node ids (numbers); compare numerically when both are. */
const byNodeId = (a: string, b: string): number => {
  const [x, y] = [Number(a), Number(b)];
  return Number.isFinite(x) && Number.isFinite(y) && x !== y ? x - y : a < b ? -1 : a > b ? 1 : 0;
};

export function quorumOf(cib: Cib): Quorum {
  const policy = (property(cib, "no-quorum-policy") ?? "stop").toLowerCase();
  const option = property(cib, CLAIM_OPTIONS.quorum);
  return {
    // Pacemaker falls back to stop for a value it does not know.
    policy: (POLICIES as readonly string[]).includes(policy) ? (policy as NoQuorumPolicy) : "stop",
    // Two hosts: pcs and crmsh write two_node: 1 when they set such a cluster up, so it is assumed unless declared.
    option: (QUORUM_OPTIONS as readonly string[]).includes(option ?? "") ? (option as QuorumOption) : cib.nodes.length === 2 ? "two_node" : undefined,
    hosts: cib.nodes.map((n) => n.uname),
    lowest: [...cib.nodes].sort((a, b) => byNodeId(a.id, b.id))[0]?.uname,
  };
}

/** Whether the hosts in `alive` are a quorate partition (for last_man_standing: having lost the others one at a time). */
export function hasQuorum(quorum: Quorum, alive: ReadonlySet<string>): boolean {
  const total = quorum.hosts.length;
  const up = quorum.hosts.filter((h) => alive.has(h)).length;
  if (2 * up > total) return true;
  switch (quorum.option) {
    case "two_node":
      return total === 2 && up === 1;
    case "auto_tie_breaker":
      return 2 * up === total && quorum.lowest !== undefined && alive.has(quorum.lowest);
    case "last_man_standing":
      return up >= 2;
    case undefined:
      return false;
  }
}

/** The most hosts that may fail at once, whichever they are, with the rest still quorate. */
export function quorumLimit(quorum: Quorum): number {
  // The worst case fails the tie-breaking host first.
  const others = quorum.hosts.filter((h) => h !== quorum.lowest);
  let failed = 0;
  while (failed < quorum.hosts.length && hasQuorum(quorum, new Set(others.slice(failed)))) failed++;
  return failed;
}
