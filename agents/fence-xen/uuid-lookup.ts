import type { Dom0 } from "../../lib/toolstack/dom0s.ts";

/**
 * xl addresses domains by name or domid only, never by UUID
 * (doc/xl-behaviour.md §0.1), so a UUID plug is resolved through the
 * toolstack's UUID listing (`xl list -v`, §1.4). Only xl offers it; xm plugs
 * must be names, and asking an xm dom0 is that dom0's failure.
 */
export async function namesByUuid(dom0: Dom0, uuid: string): Promise<string[]> {
  const rows = await dom0.toolstack.listUuids();
  return rows.filter((row) => row.uuid === uuid.toLowerCase() && row.domid !== 0 && row.name !== "(null)").map((row) => row.name);
}
