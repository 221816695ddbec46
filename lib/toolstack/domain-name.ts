import { hasControlCharacter, shown } from "../ocf/checks.ts";
import { DIALECTS } from "./dialects.ts";
import { UUID } from "./list-verbose.ts";
import { ownNameOf } from "./migration-names.ts";

/**
 * The one rule for a Xen domain name that xen-ha accepts anywhere: XenDomain's
 * `name` (and the name= of its config file), fence_xen's plug, the plugin's
 * hostlist, the CIB tools. Why each part holds is in doc/domain-names.md:
 * - 1 to MAX_DOMAIN_NAME characters, each a letter, digit or one of `_ . : + -`
 *   (xend's own set, XendDomainInfo._checkName, less `/`, which xl's log
 *   file name and fence_xen's dump file would read as a directory); so no
 *   control character, NUL, space, quote, backslash, comma or non-ASCII byte;
 * - no leading `-`: xl and xm parse options with getopt, which reads such a
 *   word as an option wherever it stands;
 * - not all digits: xl takes an all-digit argument for a domain id;
 * - not UUID-shaped: fence_xen reads such a plug as a UUID;
 * - not Domain-0 in any case: the control domain is never a resource or a fence target;
 * - not a name the toolstacks give a migrating domain (`X--incoming`,
 *   `X--migratedaway`, `migrating-X`): a domain of that name would be taken
 *   for a leftover of X's migration, and X's leftovers for it.
 */
export const MAX_DOMAIN_NAME = 200;

const CHARACTERS = /^[A-Za-z0-9_.:+-]+$/;

export function domainNameProblem(name: string): string | undefined {
  const it = shown(name);
  if (name === "") return "a domain name cannot be empty";
  if (name.length > MAX_DOMAIN_NAME) return `${it} is longer than a domain name may be (${name.length} characters, at most ${MAX_DOMAIN_NAME})`;
  if (hasControlCharacter(name)) return `${it} holds a control character`;
  if (name.trim() !== name) return `${it} has surrounding spaces`;
  if (name.startsWith("-")) return `${it} begins with '-', which the toolstack would read as an option`;
  if (!CHARACTERS.test(name)) return `${it} is not a usable Xen domain name (letters, digits and _ . : + - only)`;
  if (/^\d+$/.test(name)) return `${it} is all digits; xl would read it as a domain id`;
  if (UUID.test(name)) return `${it} has the form of a UUID; fence_xen would read it as one`;
  if (name.toLowerCase() === "domain-0") return `${it} is the control domain, never a guest`;
  const owner = Object.values(DIALECTS)
    .flatMap((dialect) => dialect.migrationNames)
    .map((affix) => ownNameOf(affix, name))
    .find((own) => own !== undefined);
  if (owner !== undefined) return `${it} collides with the names the toolstack gives ${shown(owner)} while it migrates`;
  return undefined;
}
