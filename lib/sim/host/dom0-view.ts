import type { DomainConfig, HostRecord } from "./model.ts";

/**
 * What a simulated dom0 has on its own disks and network: everything the
 * real file system has, except the paths its `missingPaths` knob lists (a
 * disk not visible on this host, a bridge it lacks as /sys/class/net/NAME,
 * a config file not copied here). The simulated `stat` answers from this
 * view, and device hotplug during a migration or restore fails on it.
 */
export const bridgePath = (bridge: string): string => `/sys/class/net/${bridge}/bridge`;

export function dom0Lacks(record: HostRecord, path: string): boolean {
  const normal = path.replace(/\/+$/, "");
  return record.knobs.missingPaths.some((missing) => {
    const gone = missing.replace(/\/+$/, "");
    return normal === gone || normal.startsWith(`${gone}/`);
  });
}

export interface MissingDevice {
  readonly kind: "disk" | "bridge";
  readonly name: string;
}

/** The disks and bridges of `config` this dom0 lacks, in config order. */
export function missingDevices(record: HostRecord, config: DomainConfig): MissingDevice[] {
  return [
    ...config.disks.filter((d) => d.target !== "" && dom0Lacks(record, d.target)).map((d) => ({ kind: "disk" as const, name: d.target })),
    ...config.nics.filter((n) => dom0Lacks(record, bridgePath(n.bridge))).map((n) => ({ kind: "bridge" as const, name: n.bridge })),
  ];
}
