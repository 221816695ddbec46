import { writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { SimContext } from "../context.ts";
import { libxlLine } from "./messages.ts";
import { PAGES_PER_MIB, transferMs } from "../migration/precopy.ts";
import { findByDomid } from "../host/store.ts";
import { findDomain, type XlCommand } from "./command.ts";

/**
 * Writes a simulated core of `domid` to `file`: one text line naming the
 * domain, not guest memory, after as long as writing the domain's memory at
 * the save speed (saveMsPerGiB). Returns why the file could not be written.
 */
export async function writeCore(ctx: SimContext, domid: number, file: string): Promise<string | undefined> {
  const live = findByDomid(ctx.read(), domid);
  const memoryMiB = live?.targetMiB ?? 0;
  const path = isAbsolute(file) ? file : join(ctx.io.cwd, file);
  try {
    writeFileSync(path, "");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "No such file or directory" : "Permission denied";
  }
  await ctx.clock.sleep(ctx.clock.scale(transferMs(memoryMiB * PAGES_PER_MIB, ctx.clock.timing.saveMsPerGiB)));
  writeFileSync(path, `xen-sim core of ${live?.name ?? domid} domid=${domid} memory=${memoryMiB}MiB host=${ctx.host}\n`);
  return undefined;
}

/**
 * `xl dump-core DOMAIN FILE` (xl_misc.c main_dump_core / core_dump_domain):
 * no output on success; a dump that cannot be written exits 1 after libxl's
 * error line and "core dump failed (rc=-3)" (ERROR_FAIL). The domain's state
 * is left as it was. The libxl line's wording is inferred from
 * libxl_domain_core_dump, not observed.
 */
export const xlDumpCore: XlCommand = {
  name: "dump-core",
  description: "Core dump a domain",
  usage: "<Domain> <filename>",
  spec: { short: "" },
  minArgs: 2,
  async run(ctx, options) {
    const [domain, file] = options.positional as [string, string];
    const domid = findDomain(ctx, ctx.read(), domain);
    const failure = await writeCore(ctx, domid, file);
    if (failure === undefined) return 0;
    ctx.io.stderr(libxlLine("error", "libxl_domain_core_dump", domid, `core dumping domain to ${file}: ${failure}`));
    ctx.io.stderr("core dump failed (rc=-3)\n");
    return 1;
  },
};
