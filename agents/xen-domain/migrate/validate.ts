import { featuresOf } from "../../../lib/toolstack/dialects.ts";
import { accessSync, constants, statSync } from "node:fs";
import { notConfigured, notInstalled } from "../../../lib/ocf/exit-code.ts";
import type { ParamValues } from "../../../lib/ocf/params.ts";
import type { ToolstackName } from "../../../lib/toolstack/toolstack.ts";
import type { XenContext } from "../deps.ts";
import { CONFIG_MAX_BYTES } from "../domain-config.ts";
import type { XenDomainParams } from "../params.ts";

/**
 * What validate-all checks of the migration and save_dir parameters beyond
 * each value's own form: combinations that cannot work anywhere (6), and
 * what this host lacks (5).
 */
export function addressSourcesProblem(params: ParamValues<XenDomainParams>): string | undefined {
  const set = (["migration_addresses", "node_ip_attribute", "migration_network_suffix"] as const).filter((p) => params[p] !== undefined);
  return set.length > 1 ? `${set.join(" and ")} each name the migration address: set only one` : undefined;
}

/** stat(2) only, never open(2): a FIFO or a device in the directory's place answers at once. */
export const isDirectory = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

export function validateMigration(ctx: XenContext, toolstack: ToolstackName): void {
  const { params } = ctx;
  const sources = addressSourcesProblem(params);
  if (sources) throw notConfigured(sources);
  if (params.save_dir !== undefined && params.force_stop) throw notConfigured("save_dir and force_stop contradict each other: stop would both save and destroy the domain");
  const features = featuresOf(toolstack);
  if (params.migration_config !== undefined && !features.migrateWithConfig) throw notConfigured(`migration_config (xl migrate -C) has no ${toolstack} counterpart`);
  if (params.save_dir !== undefined && !features.saveImages) throw notInstalled(`save_dir needs the xl toolstack; this host has ${toolstack}`);
  if (params.save_dir !== undefined && !isDirectory(params.save_dir)) throw notInstalled(`save_dir ${params.save_dir} is not a directory on this host`);
  for (const [param, file] of [["migration_ssh_identity", params.migration_ssh_identity], ["migration_config", params.migration_config], ["peer_identity_file", params.peer_identity_file]] as const) {
    if (file === undefined) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch {
      throw notInstalled(`${file} cannot be read on this host`);
    }
    // stat(2), never open(2): ssh or the config reader would block on a FIFO, or read a device without end, until their timeout
    const stat = statSync(file);
    if (!stat.isFile()) throw notInstalled(`${param} ${file} is not a regular file`);
    if (param === "migration_config" && stat.size > CONFIG_MAX_BYTES) throw notInstalled(`${param} ${file} is ${stat.size} bytes, more than the ${CONFIG_MAX_BYTES} bytes such a file may have`);
  }
}
