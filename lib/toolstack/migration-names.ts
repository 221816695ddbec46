/**
 * The names a domain wears while it migrates (doc/xl-behaviour.md §4.3, §4.7):
 * xl's target copy is `NAME--incoming` until the handshake, its source copy
 * `NAME--migratedaway` after the point of no return; xm renames the source
 * `migrating-NAME` for the whole transfer. Each toolstack's Dialect lists
 * its own (xl.ts, xm.ts); everything that looks for them (leftovers,
 * fencing, the peer check) and the domain-name rule derive from those lists.
 */
export type MigrationRole = "incoming" | "migrated-away" | "migrating";

/** One such name: what is put before and after the domain's own name. */
export interface MigrationAffix {
  readonly role: MigrationRole;
  readonly prefix: string;
  readonly suffix: string;
}

export interface MigrationName {
  readonly role: MigrationRole;
  readonly name: string;
}

export const wearName = (affix: MigrationAffix, name: string): string => `${affix.prefix}${name}${affix.suffix}`;

/** The domain's own name when `worn` is this migration name of some domain, else undefined. */
export function ownNameOf(affix: MigrationAffix, worn: string): string | undefined {
  const inner = worn.length - affix.prefix.length - affix.suffix.length;
  if (inner <= 0 || !worn.startsWith(affix.prefix) || !worn.endsWith(affix.suffix)) return undefined;
  return worn.slice(affix.prefix.length, worn.length - affix.suffix.length);
}
