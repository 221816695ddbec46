import type { Dialect } from "./dialect.ts";
import { saysLine } from "./invoke.ts";
import { parseXlListLong } from "./list-long.ts";
import { parseXlList } from "./list-table.ts";
import { parseVerboseList } from "./list-verbose.ts";

/**
 * xl (Xen >= 4.1). Exactly two answers mean "no such domain", both exit 1
 * (doc/xl-behaviour.md §1.6): a name that does not resolve (xl_utils.c `find_domain`,
 * rc -6 = ERROR_INVAL) and a numeric id that is not in the hypervisor's list.
 * Every other failure ("cannot init xl context", the Debian wrapper's
 * "Can't find hypervisor information in sysfs!", a hang) is an error.
 */
export const xlDialect: Dialect = {
  name: "xl",
  features: { saveImages: true, migrateWithConfig: true, pythonConfigs: false },
  parseList: parseXlList,
  parseListLong: parseXlListLong,
  saysAbsent: (result, target) =>
    result.exitCode === 1 &&
    (saysLine(result, `${target} is an invalid domain identifier (rc=-6)`) ||
      saysLine(result, `Error: Domain '${target}' does not exist.`)),
  // Arguments with "=" are appended to the config as xl.cfg lines, where a bare word is a syntax error.
  createArgs: (configPath, name) => ["create", configPath, `name="${name}"`],
  shutdownArgs: (name, mode) =>
    mode === "acpi-button" ? ["trigger", name, "power"] : mode === "pv-or-acpi" ? ["shutdown", "-F", name] : ["shutdown", name],
  saysNoPvControl: (result) => /PV control interface not available/.test(result.stderr),
  // A bare number is MiB for xl (parse_mem_size_kb); the suffix says so explicitly.
  memSetArgs: (name, mib) => ["mem-set", name, `${mib}m`],
  migrationNames: [
    { role: "incoming", prefix: "", suffix: "--incoming" },
    { role: "migrated-away", prefix: "", suffix: "--migratedaway" },
  ],
  // `-s` replaces ssh (xl runs it with sh -c); the config sent with -C is an absolute path.
  migrateArgs: (name, address, settings) => [
    "migrate",
    "-s",
    settings.sshCommand,
    ...(settings.config !== undefined ? ["-C", settings.config] : []),
    name,
    address,
  ],
  listUuids: { args: ["list", "-v"], parse: parseVerboseList },
};
