import type { LeaseFs } from "./lease-fs.ts";
import type { FenceRecord, LeaseRecord } from "./lease-record.ts";
import { pruneOld, publishLease, readCurrent, replaceLease, writeFence, type StoreProblemKind } from "./lease-store.ts";

/**
 * Domain leases: who may run a domain, decided on storage every host shares.
 *
 * - Taking the lease always publishes a new generation (link(2): one winner).
 *   It is refused while another host's lease is live or a fence of the current
 *   holder is announced but not confirmed.
 * - A lease is live until renewedAt + timeout + CLOCK_SKEW_MS by the reader's
 *   clock: hosts' clocks are assumed to agree within CLOCK_SKEW_MS (NTP).
 * - A confirmed fence frees the lease at once; a released lease is free.
 * - A holder that finds a higher generation, or a fence of its own, has lost
 *   the lease and must destroy its copy of the domain (lease-guard does).
 */
export const CLOCK_SKEW_MS = 2_000;

export interface LeaseContext {
  readonly fs: LeaseFs;
  readonly leaseDir: string;
  readonly domain: string;
  /** This host's identity as a holder (the cluster node name). */
  readonly host: string;
  readonly timeoutMs: number;
  readonly now: () => number;
}

export type StorageProblem = { readonly kind: StoreProblemKind; readonly problem: string };

export type AcquireResult =
  | { readonly outcome: "acquired"; readonly lease: LeaseRecord; readonly replaced: string }
  | { readonly outcome: "refused"; readonly reason: string; readonly holder: string }
  | ({ readonly outcome: "storage" } & StorageProblem);

export type RenewResult =
  | { readonly outcome: "renewed"; readonly lease: LeaseRecord }
  | { readonly outcome: "lost"; readonly reason: string }
  /** Renewal failed; `lastRenewedAt` is what the pool still says of our lease when it could be read. */
  | ({ readonly outcome: "storage"; readonly lastRenewedAt: number | undefined } & StorageProblem);

export const expiresAt = (lease: LeaseRecord): number => lease.renewedAt + lease.timeoutMs + CLOCK_SKEW_MS;

const seconds = (ms: number) => `${Math.max(0, Math.ceil(ms / 1000))} s`;

/** Why the current lease may be replaced, or undefined when it may not. */
function freedBecause(lease: LeaseRecord, fence: FenceRecord | undefined, ctx: LeaseContext, handOverFrom?: string): string | undefined {
  if (fence?.state === "confirmed") return `the holder ${lease.holder} was fenced by ${fence.by}`;
  if (lease.state === "released") return `released by ${lease.holder}`;
  if (ctx.now() >= expiresAt(lease)) return `${lease.holder}'s lease expired ${seconds(ctx.now() - expiresAt(lease))} ago`;
  if (fence !== undefined) return undefined;
  if (lease.holder === ctx.host) return "held by this host already";
  if (lease.holder === handOverFrom) return `handed over by ${lease.holder} (live migration)`;
  return undefined;
}

/**
 * Takes the lease for this host. `handOverFrom` names the source of a live
 * migration that has completed: its live lease passes to this host (the
 * cluster manager runs migrate_from only after migrate_to succeeded there).
 */
export async function acquireLease(ctx: LeaseContext, handOverFrom?: string): Promise<AcquireResult> {
  const current = await readCurrent(ctx.fs, ctx.leaseDir, ctx.domain);
  if (!current.ok) return { outcome: "storage", kind: current.kind, problem: current.problem };
  const { lease, fence } = current.value;
  const replaced = lease === undefined ? "no earlier lease" : freedBecause(lease, fence, ctx, handOverFrom);
  if (lease !== undefined && replaced === undefined) {
    const reason =
      fence?.state === "announced"
        ? `${lease.holder}'s lease (generation ${lease.generation}) is being fenced by ${fence.by}; it expires in ${seconds(expiresAt(lease) - ctx.now())}`
        : `${lease.holder} holds the lease of ${ctx.domain} (generation ${lease.generation}, expires in ${seconds(expiresAt(lease) - ctx.now())})`;
    return { outcome: "refused", reason, holder: lease.holder };
  }
  const next: LeaseRecord = {
    domain: ctx.domain,
    generation: (lease?.generation ?? 0) + 1,
    holder: ctx.host,
    state: "held",
    renewedAt: ctx.now(),
    timeoutMs: ctx.timeoutMs,
  };
  const published = await publishLease(ctx.fs, ctx.leaseDir, next);
  if (!published.ok) return { outcome: "storage", kind: published.kind, problem: published.problem };
  if (published.value === "taken") {
    const winner = await readCurrent(ctx.fs, ctx.leaseDir, ctx.domain);
    const holder = winner.ok ? (winner.value.lease?.holder ?? "another host") : "another host";
    return { outcome: "refused", reason: `${holder} took the lease of ${ctx.domain} first (generation ${next.generation})`, holder };
  }
  await pruneOld(ctx.fs, ctx.leaseDir, ctx.domain, next.generation - 1);
  return { outcome: "acquired", lease: next, replaced: replaced ?? "" };
}

/** Checks that `generation` is still ours and current, then moves its renewal time forward. */
export async function renewLease(ctx: LeaseContext, generation: number): Promise<RenewResult> {
  const current = await readCurrent(ctx.fs, ctx.leaseDir, ctx.domain);
  if (!current.ok) return { outcome: "storage", kind: current.kind, problem: current.problem, lastRenewedAt: undefined };
  const { lease, fence } = current.value;
  if (lease === undefined) return { outcome: "lost", reason: `the lease of ${ctx.domain} has disappeared from the pool` };
  if (lease.generation !== generation || lease.holder !== ctx.host) {
    return { outcome: "lost", reason: `${lease.holder} holds the lease of ${ctx.domain} now (generation ${lease.generation}, ours was ${generation})` };
  }
  if (fence !== undefined) return { outcome: "lost", reason: `this host's lease is being fenced by ${fence.by} (${fence.state})` };
  if (lease.state === "released") return { outcome: "lost", reason: "this host released the lease already" };
  const renewed: LeaseRecord = { ...lease, renewedAt: ctx.now(), timeoutMs: ctx.timeoutMs };
  const written = await replaceLease(ctx.fs, ctx.leaseDir, renewed);
  if (!written.ok) return { outcome: "storage", kind: written.kind, problem: written.problem, lastRenewedAt: lease.renewedAt };
  return { outcome: "renewed", lease: renewed };
}

/** Marks our generation released: only after the domain is proven gone. Not ours any more: nothing to do. */
export async function releaseLease(ctx: LeaseContext, generation: number | undefined): Promise<StorageProblem | undefined> {
  const current = await readCurrent(ctx.fs, ctx.leaseDir, ctx.domain);
  if (!current.ok) return current;
  const { lease } = current.value;
  if (lease === undefined || lease.holder !== ctx.host || lease.state === "released") return undefined;
  if (generation !== undefined && lease.generation !== generation) return undefined;
  const written = await replaceLease(ctx.fs, ctx.leaseDir, { ...lease, state: "released", renewedAt: ctx.now() });
  return written.ok ? undefined : written;
}

export type FenceNote =
  | { readonly outcome: "noted"; readonly generation: number }
  | { readonly outcome: "no-lease" }
  | ({ readonly outcome: "storage" } & StorageProblem);

/**
 * A fencer's two writes: "announced" before it looks at or kills the domain
 * (from then on the holder may neither renew nor restart under that
 * generation), "confirmed" once every dom0 says the domain is gone.
 */
export async function noteFence(
  ctx: Omit<LeaseContext, "host" | "timeoutMs">,
  by: string,
  state: FenceRecord["state"],
  generation?: number,
): Promise<FenceNote> {
  const current = await readCurrent(ctx.fs, ctx.leaseDir, ctx.domain);
  if (!current.ok) return { outcome: "storage", kind: current.kind, problem: current.problem };
  const { lease } = current.value;
  if (lease === undefined) return { outcome: "no-lease" };
  // Confirm only the generation that was announced: a lease taken since belongs to someone else.
  const target = generation ?? lease.generation;
  if (target !== lease.generation) return { outcome: "noted", generation: target };
  const written = await writeFence(ctx.fs, ctx.leaseDir, { domain: ctx.domain, generation: target, by, state, at: ctx.now() });
  return written.ok ? { outcome: "noted", generation: target } : { outcome: "storage", kind: written.kind, problem: written.problem };
}
