/**
 * `xl list -v`: the table of `xl list` with each row followed by
 * ` <uuid> <reason> <label>` (doc/xl-behaviour.md §1.4). xl addresses domains
 * by name or domid only, never by UUID, so this is how a UUID is resolved.
 */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const VERBOSE_ROW =
  /^(.+?)\s+(\d+)\s+\d+\s+\d+\s+[-a-zA-Z]{6}\s+\d+(?:\.\d+)?\s+([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\s|$)/i;

export interface UuidRow {
  readonly name: string;
  readonly domid: number;
  readonly uuid: string;
}

/** Every row, UUIDs in lower case; undefined when the text is not such a table. */
export function parseVerboseList(stdout: string): UuidRow[] | undefined {
  const [header, ...rows] = stdout.split("\n").filter((line) => line.trim() !== "");
  if (header === undefined || !/^Name\s+ID\s+Mem\s+VCPUs\s+State\s+Time\(s\)\s+UUID/.test(header)) return undefined;
  const parsed: UuidRow[] = [];
  for (const row of rows) {
    const match = VERBOSE_ROW.exec(row.trimEnd());
    if (!match) return undefined;
    parsed.push({ name: match[1] ?? "", domid: Number(match[2]), uuid: (match[3] ?? "").toLowerCase() });
  }
  return parsed;
}
