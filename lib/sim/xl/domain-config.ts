import { createHash, randomUUID } from "node:crypto";
import { cfgString, cfgStrings, type CfgSettings } from "./cfg-parser.ts";
import {
  DOMAIN_TYPES,
  SHUTDOWN_ACTIONS,
  type DiskSpec,
  type DomainConfig,
  type DomainType,
  type NicSpec,
  type ShutdownAction,
} from "../host/model.ts";

/**
 * From parsed xl.cfg settings to the domain configuration libxl would build,
 * with xl_parse.c's refusals (each ends `xl create` with exit 1). `dialect`
 * "xm" applies xm's defaults (on_crash restart).
 */
export type ConfigResult = { readonly config: DomainConfig } | { readonly error: string };

function integer(settings: CfgSettings, key: string): number | undefined {
  const text = cfgString(settings.get(key));
  if (text === undefined) return undefined;
  const value = Number.parseInt(text, 10);
  return Number.isFinite(value) ? value : undefined;
}

function domainType(settings: CfgSettings): DomainType | { error: string } {
  const type = cfgString(settings.get("type"));
  const builder = cfgString(settings.get("builder"));
  if (type !== undefined && !(DOMAIN_TYPES as readonly string[]).includes(type)) {
    return { error: `Invalid domain type ${type}.` };
  }
  const fromBuilder = builder === "hvm" ? "hvm" : builder === "generic" ? "pv" : undefined;
  if (builder !== undefined && fromBuilder === undefined) return { error: `Invalid builder type ${builder}.` };
  if (type !== undefined && fromBuilder !== undefined && type !== fromBuilder) {
    return { error: 'Contradicting "builder" and "type" options specified.' };
  }
  return (type as DomainType | undefined) ?? fromBuilder ?? "pv";
}

function action(settings: CfgSettings, key: string, fallback: ShutdownAction): ShutdownAction | { error: string } {
  const value = cfgString(settings.get(key));
  if (value === undefined) return fallback;
  if ((SHUTDOWN_ACTIONS as readonly string[]).includes(value)) return value as ShutdownAction;
  return { error: `Unknown ${key} action "${value}" specified` };
}

/** `'phy:/dev/vg/vm1,xvda,w'` or `'format=raw, vdev=xvda, access=rw, target=/dev/vg/vm1'`. */
export function parseDisk(spec: string): DiskSpec {
  const parts = spec.split(",").map((p) => p.trim());
  const keyed = new Map(parts.filter((p) => p.includes("=")).map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
  const positional = parts.filter((p) => !p.includes("="));
  let target = keyed.get("target") ?? positional[0] ?? "";
  let backend = keyed.get("backendtype") ?? "phy";
  const prefix = /^(phy|file|tap|tap2|aio|qcow2?|vhd|raw):/.exec(target);
  if (prefix) {
    backend = prefix[1] === "phy" ? "phy" : "qdisk";
    target = target.slice(prefix[0].length).replace(/^(aio|qcow2?|vhd|raw):/, "");
  }
  const access = keyed.get("access") ?? positional[2] ?? "rw";
  return {
    target,
    vdev: keyed.get("vdev") ?? positional[1] ?? "xvda",
    backend,
    format: keyed.get("format") ?? "raw",
    readwrite: access.startsWith("w") || access === "rw",
  };
}

function macFor(uuid: string, index: number): string {
  const bytes = createHash("sha256").update(`${uuid}/${index}`).digest();
  const hex = [...bytes.subarray(0, 3)].map((b, i) => (i === 0 ? b & 0x7f : b).toString(16).padStart(2, "0"));
  return `00:16:3e:${hex.join(":")}`;
}

export function parseNic(spec: string, uuid: string, index: number): NicSpec {
  const keyed = new Map(
    spec
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p.includes("="))
      .map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]),
  );
  return { mac: keyed.get("mac") ?? macFor(uuid, index), bridge: keyed.get("bridge") ?? "xenbr0" };
}

export function domainConfigFrom(settings: CfgSettings, dialect: "xl" | "xm" = "xl"): ConfigResult {
  const name = cfgString(settings.get("name"));
  if (name === undefined || name === "") return { error: "Domain name must be specified." };
  const type = domainType(settings);
  if (typeof type !== "string") return type;
  const memoryMiB = integer(settings, "memory") ?? 32;
  const maxMemoryMiB = Math.max(integer(settings, "maxmem") ?? memoryMiB, memoryMiB);
  const vcpus = integer(settings, "vcpus") ?? 1;
  const maxVcpus = integer(settings, "maxvcpus") ?? vcpus;
  if (maxVcpus < vcpus) return { error: "xl: maxvcpus < vcpus" };
  const actions: ShutdownAction[] = [];
  const defaults: [string, ShutdownAction][] = [
    ["on_poweroff", "destroy"],
    ["on_reboot", "restart"],
    ["on_crash", dialect === "xm" ? "restart" : "destroy"],
    ["on_watchdog", "destroy"],
  ];
  for (const [key, fallback] of defaults) {
    const chosen = action(settings, key, fallback);
    if (typeof chosen !== "string") return chosen;
    actions.push(chosen);
  }
  const uuid = cfgString(settings.get("uuid")) ?? randomUUID();
  const optional = (key: string): Record<string, string> => {
    const value = cfgString(settings.get(key));
    return value === undefined ? {} : { [key]: value };
  };
  return {
    config: {
      name,
      uuid,
      type,
      memoryMiB,
      maxMemoryMiB,
      vcpus,
      maxVcpus,
      ...optional("kernel"),
      ...optional("ramdisk"),
      ...(cfgString(settings.get("cmdline") ?? settings.get("extra")) !== undefined
        ? { cmdline: cfgString(settings.get("cmdline") ?? settings.get("extra")) as string }
        : {}),
      ...optional("bootloader"),
      disks: cfgStrings(settings.get("disk")).map(parseDisk),
      nics: cfgStrings(settings.get("vif")).map((spec, index) => parseNic(spec, uuid, index)),
      onPoweroff: actions[0] as ShutdownAction,
      onReboot: actions[1] as ShutdownAction,
      onCrash: actions[2] as ShutdownAction,
      onWatchdog: actions[3] as ShutdownAction,
      pvDrivers: integer(settings, "xen_platform_pci") !== 0,
    },
  };
}
