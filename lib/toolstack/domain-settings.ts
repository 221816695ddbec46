import { configInteger, configString, type ConfigValue } from "./xl-config.ts";
import type { ToolstackName } from "./toolstack.ts";

/** The facts about a domain that agents read from its configuration file. */
export type DomainType = "pv" | "pvh" | "hvm";

export interface DomainSettings {
  readonly name: string | undefined;
  /** Initial balloon target in MiB (`memory`, else `maxmem`, else libxl's 32 MiB). */
  readonly memoryMiB: number;
  readonly maxMemoryMiB: number;
  readonly vcpus: number | undefined;
  readonly type: DomainType;
  readonly onPoweroff: string;
  readonly onReboot: string;
  readonly onCrash: string;
}

/**
 * What happens when the guest powers off, reboots or crashes if the file
 * does not say. xl: xl.cfg(5). xm: xend's defaults (XendConfig.py), which
 * restart a crashed guest.
 */
const LIFECYCLE_DEFAULTS: Readonly<Record<ToolstackName, { onPoweroff: string; onReboot: string; onCrash: string }>> = {
  xl: { onPoweroff: "destroy", onReboot: "restart", onCrash: "destroy" },
  xm: { onPoweroff: "destroy", onReboot: "restart", onCrash: "restart" },
};

/** libxl's target when a config gives neither memory nor maxmem (libxl_create.c). */
const LIBXL_DEFAULT_MEMORY_MIB = 32;

function domainType(settings: ReadonlyMap<string, ConfigValue>): DomainType {
  const type = configString(settings, "type");
  if (type === "pv" || type === "pvh" || type === "hvm") return type;
  return configString(settings, "builder") === "hvm" ? "hvm" : "pv";
}

export function domainSettings(settings: ReadonlyMap<string, ConfigValue>, toolstack: ToolstackName): DomainSettings {
  const memory = configInteger(settings, "memory");
  const maxmem = configInteger(settings, "maxmem");
  const memoryMiB = memory ?? maxmem ?? LIBXL_DEFAULT_MEMORY_MIB;
  const defaults = LIFECYCLE_DEFAULTS[toolstack];
  return {
    name: configString(settings, "name"),
    memoryMiB,
    maxMemoryMiB: Math.max(maxmem ?? memoryMiB, memoryMiB),
    vcpus: configInteger(settings, "vcpus"),
    type: domainType(settings),
    onPoweroff: configString(settings, "on_poweroff") ?? defaults.onPoweroff,
    onReboot: configString(settings, "on_reboot") ?? defaults.onReboot,
    onCrash: configString(settings, "on_crash") ?? defaults.onCrash,
  };
}

/** Whether the toolstack itself re-creates the domain after a reboot or crash (leaving a gap of ~2 s without it). */
export const restartsItself = (d: Pick<DomainSettings, "onReboot" | "onCrash">): boolean =>
  [d.onReboot, d.onCrash].some((action) => action.includes("restart"));

/**
 * Free host memory a create needs: the target plus 1 MiB (PV) or 2 MiB
 * (PVH/HVM) of overhead, rounded up to 2 MiB (libxl_mem.c
 * `libxl__domain_need_memory_calculate`; shadow/IOMMU overhead not counted).
 */
export function memoryNeedMiB(d: Pick<DomainSettings, "memoryMiB" | "type">): number {
  const need = d.memoryMiB + (d.type === "pv" ? 1 : 2);
  return Math.ceil(need / 2) * 2;
}
