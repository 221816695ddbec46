import type { Logger } from "../../lib/ocf/logger.ts";
import type { LeaseFs } from "../../lib/lease/lease-fs.ts";
import { noteFence } from "../../lib/lease/lease.ts";
import type { FenceLeaseNotes } from "./xen-power.ts";

/**
 * The fence's two records in the lease pool. A record that cannot be written
 * never stops the fence: it only means that the domain's lease is freed by its
 * timeout instead of at once. A confirmation without an announcement is never
 * written, because the announcement is what kept the old holder from starting
 * the domain again while the fence was under way.
 */
export function fenceLeaseNotes(options: {
  readonly fs: LeaseFs;
  readonly leaseDir: string;
  readonly fencer: string;
  readonly now: () => number;
  readonly log: Logger;
}): FenceLeaseNotes {
  const generations = new Map<string, number>();
  const context = (domain: string) => ({ fs: options.fs, leaseDir: options.leaseDir, domain, now: options.now });
  return {
    async announce(domain) {
      const note = await noteFence(context(domain), options.fencer, "announced");
      if (note.outcome === "storage") {
        options.log.warn(`cannot record the fence of ${domain} in ${options.leaseDir}: ${note.problem}; its lease will be freed by its timeout`);
        return false;
      }
      if (note.outcome === "no-lease") return false;
      generations.set(domain, note.generation);
      options.log.info(`fence of ${domain} announced in the lease pool`, { generation: note.generation });
      return true;
    },
    async confirm(domain) {
      const generation = generations.get(domain);
      if (generation === undefined) return;
      const note = await noteFence(context(domain), options.fencer, "confirmed", generation);
      if (note.outcome === "storage") options.log.warn(`cannot confirm the fence of ${domain}: ${note.problem}`);
      else options.log.info(`fence of ${domain} confirmed in the lease pool: its lease may be taken at once`, { generation });
    },
  };
}
