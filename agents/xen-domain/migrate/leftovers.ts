import type { MigrationName, MigrationRole } from "../../../lib/toolstack/migration-names.ts";
import type { DomainRow, Toolstack } from "../../../lib/toolstack/toolstack.ts";
import { conditionOf, describe, type Observation } from "../observe.ts";

/**
 * The names a domain wears while it migrates (the toolstack's
 * migrationNames: xl's `NAME--incoming` on the target, paused until the
 * handshake, and `NAME--migratedaway` on the source after the point of no
 * return; xm's `migrating-NAME` on the source for the whole transfer). Found
 * under such a name when the domain itself is absent, the domain is neither
 * running nor stopped here: monitor, start, stop and migrate_from each say
 * so or deal with it. One `xl list` finds them all.
 */
export type LeftoverRole = MigrationRole;

export interface Leftover {
  readonly role: LeftoverRole;
  readonly observation: Exclude<Observation, { kind: "absent" }>;
}

const MEANING: Readonly<Record<LeftoverRole, string>> = {
  incoming: "a migration into this host is in progress or was interrupted",
  "migrated-away": "a migration from this host passed its point of no return and did not finish",
  migrating: "an xm migration from this host is in progress or was interrupted",
};

/** The rows of `rows` listed under one of `names` (a Toolstack's migrationNames of the domain). */
export function leftoversIn(rows: readonly DomainRow[], names: readonly MigrationName[]): Leftover[] {
  return names.flatMap(({ role, name }) => {
    const row = rows.find((r) => r.name === name);
    return row ? [{ role, observation: { kind: conditionOf(row.state), name, domain: row } }] : [];
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
  return { observation: row ? { kind: conditionOf(row.state), name, domain: row } : { kind: "absent", name }, leftovers: leftoversIn(rows, toolstack.migrationNames(name)) };
}

export async function findLeftovers(toolstack: Toolstack, name: string): Promise<Leftover[]> {
  return leftoversIn(await toolstack.list(), toolstack.migrationNames(name));
}

/** One sentence per leftover: what is there and what it means. */
export function describeLeftovers(leftovers: readonly Leftover[]): string {
  return leftovers.map((l) => `${describe(l.observation)}: ${MEANING[l.role]}`).join("; ");
}
