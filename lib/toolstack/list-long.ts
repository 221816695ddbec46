import type { DomainMemory } from "./toolstack.ts";
import { isSxpList, parseSxp, sxpField, type Sxp } from "./sxp.ts";

/**
 * `xl list -l` prints a JSON array of `{domid, config}` (libxl_domain_config),
 * 4-space yajl or (Xen >= 4.21) 2-space json-c; `xm list -l` prints one SXP
 * `(domain ...)` per domain. Both are parsed structurally, never with regexes
 * over the text, then narrowed to the few fields the agents use.
 */

export type LongParse<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const KIB_PER_MIB = 1024;

/** Domains that carry memory fields; Domain-0's stub config has none and is skipped. */
export function parseXlListLong(text: string): LongParse<readonly DomainMemory[]> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!Array.isArray(data)) return { ok: false, problem: "not a JSON array" };
  const domains: DomainMemory[] = [];
  for (const entry of data) {
    if (!isObject(entry) || typeof entry["domid"] !== "number" || !isObject(entry["config"])) {
      return { ok: false, problem: "an entry lacks domid or config" };
    }
    const config = entry["config"];
    const cInfo = isObject(config["c_info"]) ? config["c_info"] : {};
    const bInfo = isObject(config["b_info"]) ? config["b_info"] : {};
    const name = cInfo["name"];
    const maxKiB = bInfo["max_memkb"];
    const targetKiB = bInfo["target_memkb"];
    if (typeof name !== "string" || typeof maxKiB !== "number" || typeof targetKiB !== "number") continue;
    domains.push({
      domid: entry["domid"],
      name,
      maxMemoryMiB: Math.floor(maxKiB / KIB_PER_MIB),
      targetMemoryMiB: Math.floor(targetKiB / KIB_PER_MIB),
    });
  }
  return { ok: true, value: domains };
}

/** xend's `(status N)` (XendAPIConstants.py). */
export const XM_STATUS = {
  0: "halted",
  1: "paused",
  2: "running",
  3: "suspended",
  4: "shutting down",
  5: "crashed",
  6: "unknown",
} as const;

export interface XmDomainDetails extends DomainMemory {
  readonly status: (typeof XM_STATUS)[keyof typeof XM_STATUS] | undefined;
  readonly stateLetters: string | undefined;
}

function xmDomain(domain: Sxp): XmDomainDetails | undefined {
  const domid = Number(sxpField(domain, "domid"));
  const name = sxpField(domain, "name");
  const maxmem = Number(sxpField(domain, "maxmem"));
  const memory = Number(sxpField(domain, "memory"));
  if (name === undefined || !Number.isInteger(domid) || !Number.isFinite(maxmem) || !Number.isFinite(memory)) {
    return undefined;
  }
  const status = Number(sxpField(domain, "status"));
  return {
    domid,
    name,
    maxMemoryMiB: maxmem,
    targetMemoryMiB: memory,
    status: XM_STATUS[status as keyof typeof XM_STATUS],
    stateLetters: sxpField(domain, "state"),
  };
}

/** Running domains only: inactive xend-managed domains have no domid and are skipped. */
export function parseXmListLong(text: string): LongParse<readonly XmDomainDetails[]> {
  const parsed = parseSxp(text);
  if (!parsed.ok) return parsed;
  const domains = parsed.value.filter((item) => isSxpList(item, "domain")).map(xmDomain);
  return { ok: true, value: domains.filter((d): d is XmDomainDetails => d !== undefined) };
}
