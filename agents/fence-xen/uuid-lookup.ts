import { describeFailure } from "../../lib/exec/command.ts";
import { genericError } from "../../lib/ocf/exit-code.ts";
import type { Dom0 } from "./dom0s.ts";

/**
 * xl addresses domains by name or domid only, never by UUID (doc/xl-behaviour.md
 * 0.1), so a UUID plug is looked up in `xl list -v`, whose rows end in
 * ` <uuid> <reason> <label>` (doc/xl-behaviour.md §1.4). Only xl offers this; xm
 * plugs must be names.
 */
const VERBOSE_ROW =
  /^(.+?)\s+(\d+)\s+\d+\s+\d+\s+[-a-zA-Z]{6}\s+\d+(?:\.\d+)?\s+([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\s|$)/i;

export interface UuidRow {
  readonly name: string;
  readonly domid: number;
  readonly uuid: string;
}

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

/** The names under which the domain with this UUID exists on one dom0 (several during a migration). */
export async function namesByUuid(dom0: Dom0, uuid: string, env: Readonly<Record<string, string | undefined>>): Promise<string[]> {
  if (dom0.toolstack.name !== "xl") throw genericError(`plug ${uuid}: UUIDs need the xl toolstack; give the domain's name`);
  const result = await dom0.run("xl", ["list", "-v"], { timeoutMs: dom0.callTimeoutMs(10_000), env });
  if (result.exitCode !== 0) throw genericError(`${dom0.name}: ${describeFailure(result)}`);
  const rows = parseVerboseList(result.stdout);
  if (rows === undefined) throw genericError(`${dom0.name}: ${result.command}: unexpected output`);
  return rows.filter((row) => row.uuid === uuid.toLowerCase() && row.domid !== 0 && row.name !== "(null)").map((row) => row.name);
}
