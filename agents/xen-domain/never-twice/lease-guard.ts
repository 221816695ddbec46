import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { stateFile } from "../record.ts";
import { genericError } from "../../../lib/ocf/exit-code.ts";
import { acquireLease, releaseLease, renewLease, type LeaseContext, type RenewResult } from "../../../lib/lease/lease.ts";
import { answeringPool, POOL_LOOK_CAP_MS, type LeaseFs } from "../../../lib/lease/lease-fs.ts";
import type { XenContext } from "../deps.ts";
import { describe, observe } from "../observe.ts";
import { checkPeers } from "./peer-check.ts";

/**
 * What XenDomain does for "never twice" (lease_dir, peer_dom0s); every call
 * is a no-op when neither is set.
 * - start: `beforeStart` (peers, then the lease: refused while another host's
 *   lease is live) before anything is created; `afterStart` once the domain
 *   runs: a lease lost meanwhile (a fence announced) destroys it again.
 * - monitor of a domain that exists here: `whileRunning` renews; a lost lease,
 *   or a renewal failure that would let the lease expire before the next
 *   monitor, destroys the local copy (self-fencing) and fails the monitor.
 *   A probe only reports: it never renews or destroys.
 * - stop: `afterStop`, once the domain is proven gone, releases the lease.
 * The generation and time of the last renewal are kept in HA_RSCTMP, so that
 * a host cut off from the pool still knows when its lease runs out.
 */
export interface LeaseGuard {
  beforeStart(): Promise<void>;
  afterStart(): Promise<void>;
  whileRunning(): Promise<void>;
  afterStop(): Promise<void>;
  /**
   * migrate_from, once the domain runs here under its own name: the lease of
   * the migration source (OCF_RESKEY_CRM_meta_migrate_source) passes to this
   * host. Throws when it cannot (then the migrated domain must not stay here).
   */
  afterMigrateFrom(): Promise<void>;
}

interface HeldLease {
  readonly generation: number;
  readonly renewedAt: number;
}

const NO_GUARD: LeaseGuard = {
  beforeStart: async () => {},
  afterStart: async () => {},
  whileRunning: async () => {},
  afterStop: async () => {},
  afterMigrateFrom: async () => {},
};

/** The pool as XenDomain uses it: touched only once a child's stat of lease_dir answered in time (lib/lease/lease-fs.ts). */
export const leasePool = (ctx: XenContext, leaseDir: string): LeaseFs =>
  answeringPool(ctx.deps.leaseFs, leaseDir, ctx.deps.readUserFile, () => ctx.deadline.callTimeoutMs(POOL_LOOK_CAP_MS));

function heldFile(ctx: XenContext): string {
  return stateFile(ctx.deps.stateDir, ctx.ocf.instance, "lease.json");
}

function readHeld(file: string): HeldLease | undefined {
  try {
    const data = JSON.parse(readFileSync(file, "utf8")) as Partial<HeldLease>;
    return typeof data.generation === "number" && typeof data.renewedAt === "number"
      ? { generation: data.generation, renewedAt: data.renewedAt }
      : undefined;
  } catch {
    return undefined;
  }
}

function writeHeld(ctx: XenContext, file: string, held: HeldLease | undefined): void {
  try {
    mkdirSync(ctx.deps.stateDir, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    // leaseDir: where a fence of this generation would be noted; XenHost's watcher reads it there (agents/xen-host/watcher/fence.ts)
    writeFileSync(temporary, held ? `${JSON.stringify({ ...held, leaseDir: ctx.params.lease_dir })}\n` : "{}\n");
    renameSync(temporary, file);
  } catch (error) {
    ctx.log.warn(`cannot write ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Destroys this host's copy at once: no graceful shutdown, the lease may be taken any moment now. */
async function selfFence(ctx: XenContext, name: string, why: string): Promise<never> {
  ctx.log.error(`${why}: destroying this host's copy of ${name}`);
  const answer = await ctx.deps.toolstack().destroy(name);
  const after = await observe(ctx.deps.toolstack(), name);
  if (after.kind !== "absent") {
    throw genericError(`${why}; destroying the local copy failed (${answer.kind === "failed" ? answer.detail : describe(after)})`);
  }
  throw genericError(`${why}; this host's copy was destroyed`);
}

export function leaseGuard(ctx: XenContext, name: string): LeaseGuard {
  const { params } = ctx;
  if (params.lease_dir === undefined && params.peer_dom0s === undefined) return NO_GUARD;
  const file = heldFile(ctx);
  const lease: LeaseContext | undefined =
    params.lease_dir === undefined
      ? undefined
      : {
          fs: leasePool(ctx, params.lease_dir),
          leaseDir: params.lease_dir,
          domain: name,
          // node:os only when Pacemaker did not name the node: every monitor of a running domain loads this module
          host: ctx.ocf.onNode ?? process.getBuiltinModule("node:os").hostname(),
          timeoutMs: params.lease_timeout * 1000,
          now: ctx.deps.now,
        };

  async function renew(): Promise<RenewResult | undefined> {
    if (!lease) return undefined;
    const held = readHeld(file);
    if (held === undefined) {
      // A domain found running without a record of its lease here (HA_RSCTMP lost, lease_dir newly set): claim it.
      const acquired = await acquireLease(lease);
      if (acquired.outcome === "acquired") return { outcome: "renewed", lease: acquired.lease };
      if (acquired.outcome === "refused") return { outcome: "lost", reason: acquired.reason };
      return { ...acquired, lastRenewedAt: undefined };
    }
    return renewLease(lease, held.generation);
  }

  return {
    async beforeStart() {
      await checkPeers(ctx, name);
      if (!lease) return;
      const acquired = await acquireLease(lease);
      if (acquired.outcome === "refused") throw genericError(`not starting ${name}: ${acquired.reason}`);
      if (acquired.outcome === "storage") throw genericError(`not starting ${name}: cannot take its lease: ${acquired.problem}`);
      writeHeld(ctx, file, { generation: acquired.lease.generation, renewedAt: acquired.lease.renewedAt });
      ctx.log.info(`lease of ${name} taken`, { generation: acquired.lease.generation, previous: acquired.replaced });
    },

    async afterStart() {
      const result = await renew();
      if (result === undefined) return;
      if (result.outcome === "lost") await selfFence(ctx, name, `lease of ${name} lost while starting: ${result.reason}`);
      if (result.outcome === "renewed") writeHeld(ctx, file, { generation: result.lease.generation, renewedAt: result.lease.renewedAt });
      if (result.outcome === "storage") ctx.log.warn(`lease of ${name} not renewed after start: ${result.problem}`);
    },

    async whileRunning() {
      if (ctx.ocf.isProbe) return;
      const window = (ctx.ocf.intervalMs ?? 0) + (ctx.ocf.timeoutMs ?? 30_000);
      if (lease && params.lease_timeout * 1000 <= window) {
        ctx.log.warn(`lease_timeout ${params.lease_timeout} s is not above the monitor interval plus timeout (${window} ms): any renewal failure destroys the domain`);
      }
      const result = await renew();
      if (result === undefined) return;
      if (result.outcome === "renewed") {
        writeHeld(ctx, file, { generation: result.lease.generation, renewedAt: result.lease.renewedAt });
        return;
      }
      if (result.outcome === "lost") await selfFence(ctx, name, `lease of ${name} lost: ${result.reason}`);
      if (result.outcome !== "storage") return;
      const lastRenewedAt = result.lastRenewedAt ?? readHeld(file)?.renewedAt;
      const expiresAt = (lastRenewedAt ?? 0) + params.lease_timeout * 1000;
      // The next chance to renew is the next monitor, which may itself take its whole timeout.
      const nextChanceAt = ctx.deps.now() + window;
      if (nextChanceAt >= expiresAt) {
        await selfFence(ctx, name, `lease of ${name} cannot be renewed (${result.problem}) and would expire before the next monitor`);
      }
      ctx.log.warn(`lease of ${name} not renewed (${result.problem}); it stays valid for ${Math.round((expiresAt - ctx.deps.now()) / 1000)} s`);
    },

    async afterMigrateFrom() {
      if (!lease) return;
      const acquired = await acquireLease(lease, ctx.ocf.migrateSource);
      if (acquired.outcome === "refused") throw genericError(`lease of ${name} not handed over: ${acquired.reason}`);
      if (acquired.outcome === "storage") throw genericError(`lease of ${name} not handed over: ${acquired.problem}`);
      writeHeld(ctx, file, { generation: acquired.lease.generation, renewedAt: acquired.lease.renewedAt });
      ctx.log.info(`lease of ${name} taken over`, { generation: acquired.lease.generation, previous: acquired.replaced });
    },

    async afterStop() {
      if (!lease) return;
      const problem = await releaseLease(lease, readHeld(file)?.generation);
      writeHeld(ctx, file, undefined);
      // The domain is gone either way: an unreleased lease only makes others wait for its timeout.
      if (problem) ctx.log.warn(`lease of ${name} not released (${problem.problem}); other hosts wait for its timeout`);
    },
  };
}
