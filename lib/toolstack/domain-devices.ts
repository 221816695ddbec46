import type { ConfigValue } from "./xl-config.ts";

/**
 * The host resources a domain's config names: disk paths and network
 * bridges (xl-disk-configuration(5), xl-network-configuration(5)). Another
 * host must have them before the domain can move there. Disk targets that
 * are not paths (`drbd:res`, `iscsi:...`, `rbd:...`, block scripts) cannot
 * be checked by looking at a file; they are listed apart.
 */
export interface DomainDevices {
  readonly diskPaths: readonly string[];
  /** Disk targets a path check cannot judge. */
  readonly otherDisks: readonly string[];
  readonly bridges: readonly string[];
}

/** libxl's default bridge (xl.conf vif.default.bridge). */
const DEFAULT_BRIDGE = "xenbr0";
const BACKEND_PREFIX = /^(?:phy|file|tap2?|aio|qcow2?|vhd|raw):/;

const list = (value: ConfigValue | undefined): readonly string[] => (value === undefined ? [] : typeof value === "string" ? [value] : value);

const fields = (spec: string): string[] => spec.split(",").map((part) => part.trim()).filter((part) => part !== "");

function diskTarget(spec: string): string | undefined {
  const parts = fields(spec);
  const keyed = parts.find((p) => p.startsWith("target="));
  const target = keyed?.slice("target=".length) ?? parts.find((p) => !p.includes("="));
  if (target === undefined || target === "") return undefined; // an empty CD-ROM drive
  let path = target;
  while (BACKEND_PREFIX.test(path)) path = path.replace(BACKEND_PREFIX, "");
  return path;
}

export function domainDevices(settings: ReadonlyMap<string, ConfigValue>): DomainDevices {
  const targets = list(settings.get("disk")).flatMap((spec) => {
    const target = diskTarget(spec);
    return target === undefined ? [] : [target];
  });
  const bridges = list(settings.get("vif")).map((spec) => fields(spec).find((p) => p.startsWith("bridge="))?.slice("bridge=".length) || DEFAULT_BRIDGE);
  return {
    diskPaths: targets.filter((t) => t.startsWith("/")),
    otherDisks: targets.filter((t) => !t.startsWith("/")),
    bridges: [...new Set(bridges)],
  };
}

/** Where a bridge shows in sysfs: a directory that only bridges have. */
export const bridgeSysfsPath = (bridge: string): string => `/sys/class/net/${bridge}/bridge`;
