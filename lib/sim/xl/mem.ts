import type { SimContext } from "../context.ts";
import { libxlLine } from "./messages.ts";
import { findByDomid, setBalloonTarget } from "../host/store.ts";
import { findDomain, type XlCommand } from "./command.ts";
import type { ParsedOptions } from "./getopt.ts";

/**
 * `xl mem-set` / `xl mem-max` (xl_mem.c; xl_parse.c parse_mem_size_kb): a
 * bare number is MiB; b/k/m/g/t suffixes. mem-set moves the balloon target,
 * and `Mem` follows at the guest's balloon speed; mem-max moves the static
 * maximum. Neither may cross the other.
 */
export function parseMemSizeKiB(text: string): number | undefined {
  const match = /^([0-9]+)([bkmgtBKMGT]?)$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  const factor: Readonly<Record<string, number>> = { b: 1 / 1024, k: 1, "": 1024, m: 1024, g: 1024 ** 2, t: 1024 ** 3 };
  return Math.floor(value * (factor[(match[2] as string).toLowerCase()] as number));
}

async function setMemory(ctx: SimContext, options: ParsedOptions, which: "target" | "max"): Promise<number> {
  const domid = findDomain(ctx, ctx.read(), options.positional[0] as string);
  const text = options.positional[1] as string;
  const kib = parseMemSizeKiB(text);
  if (kib === undefined) {
    ctx.io.stderr(`invalid memory size: ${text}\n`);
    return 1;
  }
  const mib = Math.floor(kib / 1024);
  const problem = ctx.update((record) => {
    if (domid === 0) {
      if (which === "target" && mib < record.knobs.dom0MinMiB) return `New target ${mib} for dom0 is below the minimum threshold`;
      if (which === "target") record.dom0MemoryMiB = mib;
      return undefined;
    }
    const domain = findByDomid(record, domid);
    if (!domain) return "No such process";
    if (which === "target") {
      if (mib > domain.maxMemoryMiB) return "memory_dynamic_max must be less than or equal to memory_static_max";
      // returns at once; Mem follows at the balloon driver's speed
      setBalloonTarget(record, domain, mib, Date.now());
    } else {
      if (mib < domain.targetMiB) return "memory_static_max must be greater than or or equal to memory_dynamic_max";
      domain.maxMemoryMiB = mib;
    }
    return undefined;
  });
  if (problem === undefined) return 0;
  ctx.io.stderr(libxlLine("error", which === "target" ? "libxl_set_memory_target" : "libxl_domain_setmaxmem", domid, problem));
  ctx.io.stderr(`cannot set domid ${domid} ${which === "target" ? "dynamic" : "static"} max memory to : ${text}\n`);
  return 1;
}

const memCommand = (name: "mem-set" | "mem-max", description: string, which: "target" | "max"): XlCommand => ({
  name,
  description,
  usage: "<Domain> <MemMB['b'[bytes]|'k'[KB]|'m'[MB]|'g'[GB]|'t'[TB]]>",
  spec: { short: "" },
  minArgs: 2,
  latency: "controlMs",
  run: (ctx, options) => setMemory(ctx, options, which),
});

export const xlMemSet = memCommand("mem-set", "Set the current memory usage for a domain", "target");
export const xlMemMax = memCommand("mem-max", "Set the maximum amount reservation for a domain", "max");
