import type { Dialect } from "./dialect.ts";
import { saysLine } from "./invoke.ts";
import { parseXmListLong } from "./list-long.ts";
import { parseXmList } from "./list-table.ts";

/**
 * xm (Xen 3.x-4.4, a client of xend). xend's "invalid domain" fault is the
 * only absence answer: `Error: Domain 'X' does not exist.`, exit 3
 * (XendClient.py ERROR_INVALID_DOMAIN). "Unable to connect to xend" and every
 * other `Error:` exit 1 and are errors.
 */
export const xmDialect: Dialect = {
  name: "xm",
  // xm has save/restore too, but xen-ha's save_dir records and restores through xl's image format only
  features: { saveImages: false, migrateWithConfig: false, pythonConfigs: true },
  parseList: parseXmList,
  parseListLong: parseXmListLong,
  saysAbsent: (result, target) => result.exitCode === 3 && saysLine(result, `Error: Domain '${target}' does not exist.`),
  // xm's config is Python: a quoted override would make the quotes part of the name (LF bug 2671).
  createArgs: (configPath, name) => ["create", configPath, `name=${name}`],
  // xend hard-stops HVM guests without PV drivers itself, so there is no -F.
  shutdownArgs: (name, mode) => (mode === "acpi-button" ? ["trigger", name, "power"] : ["shutdown", name]),
  saysNoPvControl: () => false,
  memSetArgs: (name, mib) => ["mem-set", name, String(mib)],
  // During `xm migrate` the source domain is called migrating-NAME (doc/xl-behaviour.md §4.7).
  migrationNames: [{ role: "migrating", prefix: "migrating-", suffix: "" }],
  // xend relocates the domain itself (its relocation server): no transport command, no config to send.
  migrateArgs: (name, address) => ["migrate", "--live", name, address],
  // xm list has no UUID column.
  listUuids: undefined,
};
