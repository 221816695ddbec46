/**
 * The names of the domains xenstore lists now, from `xenstore-ls -f
 * /local/domain` (doc/xenstore.md §1: one `PATH = "VALUE"` line per node,
 * full paths, values escaped, never cut with -f). Only
 * `/local/domain/N/name` lines count; Domain-0 is left out.
 */
const NAME_LINE = /^\/local\/domain\/(\d+)\/name = "(.*)"$/;

export function namesFromLs(stdout: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of stdout.split("\n")) {
    const match = NAME_LINE.exec(line);
    if (!match) continue;
    const domid = Number(match[1]);
    if (domid !== 0) names.set(domid, match[2] as string);
  }
  return names;
}
