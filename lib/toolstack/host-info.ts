import type { HostInfo } from "./toolstack.ts";

/**
 * `xl info` / `xm info`: one `KEY<padding>: value` line per fact, keys padded
 * to 23 columns (xl_info.c `print_info`); memory figures are MiB. Keys may be
 * missing or reordered between versions, so lines are read by key.
 */
const LINE = /^([A-Za-z0-9_ ]*[A-Za-z0-9_])\s*: ?(.*)$/;

export type HostInfoParse = { readonly ok: true; readonly value: HostInfo } | { readonly ok: false; readonly problem: string };

export function parseHostInfo(text: string): HostInfoParse {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = LINE.exec(line.trimEnd());
    if (match && !values.has(match[1]!)) values.set(match[1]!, match[2]!.trim());
  }
  const mib = (key: string): number | undefined => {
    const text = values.get(key);
    return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
  };
  const totalMemoryMiB = mib("total_memory");
  const freeMemoryMiB = mib("free_memory");
  if (totalMemoryMiB === undefined || freeMemoryMiB === undefined) {
    return { ok: false, problem: "total_memory or free_memory missing or not a number" };
  }
  return { ok: true, value: { totalMemoryMiB, freeMemoryMiB, xenCommandline: values.get("xen_commandline"), values } };
}
