import type { FenceLook } from "./fence.ts";
import type { WatchedResource } from "./records.ts";

/**
 * What one look at the domains means for one resource this host runs
 * (doc/xen-host.md §"Domain-death events"). Plain data in, a verdict out:
 * - its domain is listed (same or new domid: a restart already done) -> alive;
 * - it is not, and was not at the last look either -> nothing new (the
 *   monitor owns deaths the watcher did not see happen);
 * - it vanished, and a stop or migrate_to of ours is under way -> ours;
 * - it vanished, and fence_xen noted a fence of the lease this host held for
 *   it (fence.ts) -> ours;
 * - it vanished and the toolstack is restarting it (xl's on_reboot=restart,
 *   evidence from its monitoring process) -> restarting: look again later;
 * - otherwise -> fail: reported to Pacemaker at once.
 */
export type Verdict =
  | { readonly kind: "alive" }
  | { readonly kind: "unseen" }
  | { readonly kind: "ours"; readonly why: string }
  | { readonly kind: "restarting"; readonly why: string }
  | { readonly kind: "fail"; readonly why: string };

export interface Evidence {
  readonly restarting: boolean;
  readonly why: string;
}

export interface DeathFacts {
  readonly resource: WatchedResource;
  /** Names listed now (xenstore's /local/domain/N/name). */
  readonly namesNow: ReadonlySet<string>;
  /** Names listed at the previous look. */
  readonly namesBefore: ReadonlySet<string>;
  readonly now: number;
}

/** The part that needs no evidence: undefined when the restart evidence decides. */
export function judgeWithoutEvidence(facts: DeathFacts): Verdict | undefined {
  const { resource, namesNow, namesBefore, now } = facts;
  if (namesNow.has(resource.name)) return { kind: "alive" };
  if (!namesBefore.has(resource.name)) return { kind: "unseen" };
  if (resource.leaving !== undefined && now <= resource.leaving.until) {
    return { kind: "ours", why: `a ${resource.leaving.action} of ours is under way` };
  }
  return undefined;
}

export function judgeWithEvidence(facts: DeathFacts, evidence: Evidence, fence: FenceLook): Verdict {
  const early = judgeWithoutEvidence(facts);
  if (early !== undefined) return early;
  if (fence.kind === "fenced") return { kind: "ours", why: fence.why };
  if (evidence.restarting) return { kind: "restarting", why: evidence.why };
  const domain = `domain ${facts.resource.name} (id ${facts.resource.domid})`;
  const unread = fence.kind === "unreadable" ? `; whether it was fenced is not known: ${fence.why}` : "";
  return { kind: "fail", why: `${domain} died and nothing of ours explains it: ${evidence.why}${unread}` };
}
