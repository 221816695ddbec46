import { type JsonValue } from "./json-layout.ts";
import { libxlConfigJson } from "./libxl-json.ts";
import { DOMAIN_TYPES, SHUTDOWN_ACTIONS, type DomainConfig, type DomainRecord, type DomainType, type ShutdownAction } from "../host/model.ts";

/**
 * The config a migration or save stream carries (libxl_domain_config as
 * JSON, the `xl list -l` layout of libxl-json.ts) and its way back into the
 * simulator's DomainConfig on the receiving end. HVM guests without PV
 * drivers carry `xen_platform_pci: false` in their type block, as libxl does.
 */
export function streamConfigJson(config: DomainConfig, live: Pick<DomainRecord, "name" | "uuid" | "vcpus" | "maxMemoryMiB" | "targetMiB">): string {
  const json = libxlConfigJson(config, live) as Record<string, JsonValue>;
  const bInfo = json["b_info"] as Record<string, JsonValue>;
  if (config.type === "hvm" && !config.pvDrivers) {
    bInfo["type.hvm"] = { ...((bInfo["type.hvm"] as Record<string, JsonValue> | undefined) ?? {}), xen_platform_pci: false };
  }
  return JSON.stringify(json);
}

type Json = Record<string, unknown>;
const object = (value: unknown): Json => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {});
const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const count = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined);

function action(value: unknown): ShutdownAction {
  return (SHUTDOWN_ACTIONS as readonly unknown[]).includes(value) ? (value as ShutdownAction) : "destroy";
}

export function configFromStreamJson(jsonText: string): DomainConfig | { readonly error: string } {
  let json: Json;
  try {
    json = object(JSON.parse(jsonText));
  } catch {
    return { error: "Failed to parse config: Invalid argument" };
  }
  const cInfo = object(json["c_info"]);
  const bInfo = object(json["b_info"]);
  const name = text(cInfo["name"]);
  const uuid = text(cInfo["uuid"]);
  if (name === undefined || uuid === undefined) return { error: "Domain name must be specified." };
  const type: DomainType = (DOMAIN_TYPES as readonly unknown[]).includes(cInfo["type"]) ? (cInfo["type"] as DomainType) : "pv";
  const typeBlock = object(bInfo[`type.${type}`]);
  const memoryMiB = Math.round((count(bInfo["target_memkb"]) ?? 32 * 1024) / 1024);
  const vcpus = Array.isArray(bInfo["avail_vcpus"]) ? bInfo["avail_vcpus"].length : 1;
  const optional = (key: string, field: keyof DomainConfig): Partial<DomainConfig> => {
    const value = text(typeBlock[key]);
    return value === undefined ? {} : { [field]: value };
  };
  const disks = Array.isArray(json["disks"]) ? json["disks"].map(object) : [];
  const nics = Array.isArray(json["nics"]) ? json["nics"].map(object) : [];
  return {
    name,
    uuid,
    type,
    memoryMiB,
    maxMemoryMiB: Math.round((count(bInfo["max_memkb"]) ?? memoryMiB * 1024) / 1024),
    vcpus,
    maxVcpus: count(bInfo["max_vcpus"]) ?? vcpus,
    ...optional("kernel", "kernel"),
    ...optional("ramdisk", "ramdisk"),
    ...optional("cmdline", "cmdline"),
    ...optional("bootloader", "bootloader"),
    disks: disks.map((d) => ({
      target: text(d["pdev_path"]) ?? "",
      vdev: text(d["vdev"]) ?? "xvda",
      backend: text(d["backend"]) ?? "phy",
      format: text(d["format"]) ?? "raw",
      readwrite: d["readwrite"] === 1,
    })),
    nics: nics.map((n) => ({ mac: text(n["mac"]) ?? "", bridge: text(n["bridge"]) ?? "xenbr0" })),
    onPoweroff: action(json["on_poweroff"]),
    onReboot: action(json["on_reboot"]),
    onCrash: action(json["on_crash"]),
    onWatchdog: action(json["on_watchdog"]),
    pvDrivers: typeBlock["xen_platform_pci"] !== false,
  };
}
