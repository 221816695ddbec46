import type { DomainRow, Toolstack } from "../../../lib/toolstack/toolstack.ts";
import { conditionOf, describe, type Observation } from "../observe.ts";

/**
 * The names a domain has while it migrates (doc/xl-behaviour.md §4.3, §4.7, §7.1-3):
 * xl's `NAME--incoming` (target, paused until the handshake) and
 * `NAME--migratedaway` (source, suspended, after the point of no return);
 * xm's `migrating-NAME` (source, for the whole transfer). Found under such a
 * name when the domain itself is absent, the domain is neither running nor
 * stopped here: monitor, start, stop and migrate_from each say so or deal
 * with it. One `xl list` finds them all.
 */
export type LeftoverRole = "incoming" | "migrated-away" | "migrating";

export interface Leftover {
  readonly role: LeftoverRole;
  readonly observation: Exclude<Observation, { kind: "absent" }>;
}

export const leftoverNames = (name: string): Readonly<Record<LeftoverRole, string>> => ({
  incoming: `${name}--incoming`,
  "migrated-away": `${name}--migratedaway`,
  migrating: `migrating-${name}`,
});

const MEANING: Readonly<Record<LeftoverRole, string>> = {
  incoming: "a migration into this host is in progress or was interrupted",
  "migrated-away": "a migration from this host passed its point of no return and did not finish",
  migrating: "an xm migration from this host is in progress or was interrupted",
};

export function leftoversIn(rows: readonly DomainRow[], name: string): Leftover[] {
  const names = leftoverNames(name);
  return (Object.keys(names) as LeftoverRole[]).flatMap((role) => {
    const row = rows.find((r) => r.name === names[role]);
    return row ? [{ role, observation: { kind: conditionOf(row.state), name: names[role], domain: row } }] : [];
  });
}

/**
 * The domain and the names its migrations leave, from one full listing: the
 * first look of monitor, start and stop, one toolstack call where a lookup by
 * name and then a listing took two. Absence here is as positive as `xl list
 * NAME`'s "invalid domain identifier": both come from the same domain list,
 * and Toolstack.list() refuses a listing without Domain-0.
 */
export async function observeHere(toolstack: Toolstack, name: string): Promise<{ readonly observation: Observation; readonly leftovers: Leftover[] }> {
  const rows = await toolstack.list();
  const row = rows.find((r) => r.name === name);
  return { observation: row ? { kind: conditionOf(row.state), name, domain: row } : { kind: "absent", name }, leftovers: leftoversIn(rows, name) };
}

export async function findLeftovers(toolstack: Toolstack, name: string): Promise<Leftover[]> {
  return leftoversIn(await toolstack.list(), name);
}

/** One sentence per leftover: what is there and what it means. */
export function describeLeftovers(leftovers: readonly Leftover[]): string {
  return leftovers.map((l) => `${describe(l.observation)}: ${MEANING[l.role]}`).join("; ");
}
