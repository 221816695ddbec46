import type { JsonValue } from "./json-layout.ts";
import type { DomainConfig, DomainRecord, HostRecord } from "../host/model.ts";
import { DOM0_UUID } from "../host/views.ts";

/**
 * A stored domain configuration as `xl list -l` prints it: libxl_domain_config
 * with default-valued fields left out (on_poweroff/on_crash "destroy" are
 * absent), name, uuid, vcpus and memory refreshed from the live domain.
 */
export function libxlConfigJson(
  config: DomainConfig,
  live: Pick<DomainRecord, "name" | "uuid" | "vcpus" | "maxMemoryMiB" | "targetMiB">,
): JsonValue {
  const typeKey = `type.${config.type}`;
  const typeFields: Record<string, JsonValue> = {};
  if (config.kernel !== undefined) typeFields["kernel"] = config.kernel;
  if (config.ramdisk !== undefined) typeFields["ramdisk"] = config.ramdisk;
  if (config.cmdline !== undefined) typeFields["cmdline"] = config.cmdline;
  if (config.bootloader !== undefined) typeFields["bootloader"] = config.bootloader;
  const actions: Record<string, JsonValue> = {};
  if (config.onPoweroff !== "destroy") actions["on_poweroff"] = config.onPoweroff;
  if (config.onReboot !== "destroy") actions["on_reboot"] = config.onReboot;
  if (config.onWatchdog !== "destroy") actions["on_watchdog"] = config.onWatchdog;
  if (config.onCrash !== "destroy") actions["on_crash"] = config.onCrash;
  return {
    c_info: { type: config.type, name: live.name ?? config.name, uuid: live.uuid },
    b_info: {
      max_vcpus: config.maxVcpus,
      avail_vcpus: Array.from({ length: live.vcpus }, (_, i) => i),
      max_memkb: live.maxMemoryMiB * 1024,
      target_memkb: live.targetMiB * 1024,
      ...(Object.keys(typeFields).length > 0 ? { [typeKey]: typeFields } : {}),
    },
    ...(config.disks.length > 0
      ? {
          disks: config.disks.map((d) => ({
            pdev_path: d.target,
            vdev: d.vdev,
            backend: d.backend,
            format: d.format,
            ...(d.readwrite ? { readwrite: 1 } : {}),
          })),
        }
      : {}),
    ...(config.nics.length > 0 ? { nics: config.nics.map((n, devid) => ({ devid, mac: n.mac, bridge: n.bridge })) } : {}),
    ...actions,
  };
}

/** The stub config xen-init-dom0 stores for Domain-0. */
export function dom0ConfigJson(record: HostRecord): JsonValue {
  return {
    c_info: { name: "Domain-0", uuid: DOM0_UUID },
    b_info: { max_memkb: record.dom0MemoryMiB * 1024, target_memkb: record.dom0MemoryMiB * 1024 },
  };
}
