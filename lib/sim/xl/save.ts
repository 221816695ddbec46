import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { SimContext } from "../context.ts";
import { missingDevices } from "../host/dom0-view.ts";
import { pauseDomain, unpauseDomain } from "../host/hypervisor.ts";
import { configFromStreamJson, streamConfigJson } from "./libxl-json-read.ts";
import { childEnv, daemonErrorLog, destroyDomain } from "../host/lifecycle.ts";
import { libxlLine } from "./messages.ts";
import type { DomainConfig } from "../host/model.ts";
import { createArriving, growArriving, renameLive, resumeGuest, suspendGuest } from "../migration/domain.ts";
import { encodeHeader, END_RECORD, FINAL_ROUND, pageRecord, readHeader, readRecord, type ByteReader } from "../migration/stream.ts";
import { PAGES_PER_MIB, transferMs } from "../migration/precopy.ts";
import { spawnDetached } from "../host/processes.ts";
import { findByDomid } from "../host/store.ts";
import { findDomain, helpText, type XlCommand } from "./command.ts";
import { loadConfig } from "./create.ts";

/**
 * `xl save` and `xl restore` (xl_saverestore.c, doc/xl-behaviour.md §4.6): the
 * migration stream to and from a file. Save suspends the guest, writes the
 * xl header, config and memory (at the disk's speed, saveMsPerGiB), then
 * destroys the domain (-c: resume it, -p: leave it paused). Restore builds
 * the domain under its own name, paused while memory loads, then unpauses;
 * every failure exits 1.
 */
/** Pages per record in a save file: a restore's Mem grows in 32 MiB steps. */
const SAVE_BATCH_PAGES = 32 * PAGES_PER_MIB;
const resolve = (ctx: SimContext, file: string): string => (isAbsolute(file) ? file : join(ctx.io.cwd, file));

/** A file's bytes as the stream reader expects them. */
function fileReader(bytes: Buffer): ByteReader {
  let at = 0;
  return {
    async readExactly(n) {
      if (at + n > bytes.length) return undefined;
      at += n;
      return bytes.subarray(at - n, at);
    },
    stall() {},
    close() {},
  };
}

export const xlSave: XlCommand = {
  name: "save",
  description: "Save a domain state to restore later",
  usage: "[options] <Domain> <CheckpointFile> [<ConfigFile>]",
  options: "-h  Print this help.\n-c  Leave domain running after creating the snapshot.\n-p  Leave domain paused after creating the snapshot.\n-D  Store the domain id in the configration.",
  modifies: true,
  spec: { short: "cpD" },
  minArgs: 2,
  async run(ctx, options) {
    const flags = new Set(options.flags);
    const [domain, file, configFile] = options.positional as [string, string, string | undefined];
    const domid = findDomain(ctx, ctx.read(), domain);
    const live = findByDomid(ctx.read(), domid);
    const config: DomainConfig | undefined = configFile !== undefined ? loadConfig(ctx, configFile, [], true) : (live?.config ?? undefined);
    const json = config && live ? streamConfigJson(config, live) : "";
    if (!config) ctx.io.stderr(" Savefile will not contain xl domain config\n");
    const header = encodeHeader(json);
    try {
      writeFileSync(resolve(ctx, file), "");
    } catch {
      ctx.io.stderr(`Failed to open temp file ${file} for writing\n`);
      return 1;
    }
    ctx.io.stderr(`Saving to ${file} new xl format (info 0x3/0x0/${header.optionalLength})\n`);
    const suspended = await suspendGuest(ctx, domid);
    if (suspended !== "suspended") {
      if (suspended === "no-ack") ctx.io.stderr(libxlLine("error", "domain_suspend_common_pvcontrol_suspending", domid, "guest didn't acknowledge suspend, cancelling request"));
      ctx.io.stderr("Failed to save domain, resuming domain\n");
      resumeGuest(ctx, domid);
      return 1;
    }
    const memoryMiB = live?.targetMiB ?? config?.memoryMiB ?? 0;
    await ctx.clock.sleep(ctx.clock.scale(transferMs(memoryMiB * PAGES_PER_MIB, ctx.clock.timing.saveMsPerGiB)));
    const records: Buffer[] = [];
    for (let left = memoryMiB * PAGES_PER_MIB; left > 0; left -= SAVE_BATCH_PAGES) records.push(pageRecord(Math.min(left, SAVE_BATCH_PAGES), FINAL_ROUND));
    writeFileSync(resolve(ctx, file), Buffer.concat([header.bytes, ...records, END_RECORD]));
    if (flags.has("c") || flags.has("p")) {
      if (flags.has("p")) ctx.update((record) => {
        const saved = findByDomid(record, domid);
        if (saved) pauseDomain(record, saved, ctx.persona.pauseCounted, Date.now());
      });
      resumeGuest(ctx, domid);
    } else {
      await destroyDomain(ctx, domid);
    }
    return 0;
  },
};

export const xlRestore: XlCommand = {
  name: "restore",
  description: "Restore a domain from a saved state",
  usage: "[options] [<ConfigFile>] <CheckpointFile>",
  options: "-h  Print this help.\n-p  Do not unpause domain after restoring it.\n-e  Do not wait in the background for the death of the domain.\n-d  Enable debug messages.",
  modifies: true,
  spec: { short: "FhcpdeVA" },
  minArgs: 1,
  async run(ctx, options) {
    const flags = new Set(options.flags);
    const [first, second, extra] = options.positional;
    if (extra !== undefined) {
      ctx.io.stdout(helpText(this));
      return 1;
    }
    const [configFile, file] = second === undefined ? [undefined, first as string] : [first, second];
    if (!existsSync(resolve(ctx, file))) {
      ctx.io.stderr("Can't open restore file: No such file or directory\n");
      return 1;
    }
    const reader = fileReader(readFileSync(resolve(ctx, file)));
    const header = await readHeader(reader);
    if (!header.ok) {
      ctx.io.stderr(header.problem === "magic" ? "File has wrong magic number - corrupt or for a different tool?\n" : libxlLine("error", "libxl_read_exactly", null, `file/stream truncated reading header from ${file}`));
      return 1;
    }
    ctx.io.stderr(`Loading new save file ${file} (new xl fmt info 0x3/0x0/${header.optionalLength})\n`);
    ctx.io.stderr(" Savefile contains xl domain config in JSON format\n");
    const saved = configFromStreamJson(header.configJson);
    const config = configFile !== undefined ? loadConfig(ctx, configFile, [], false) : "error" in saved ? undefined : saved;
    if (configFile === undefined) ctx.io.stderr("Parsing config from <saved>\n");
    if (!config) {
      ctx.io.stderr("Failed to parse config: Invalid argument\n");
      return 1;
    }
    const created = await createArriving(ctx, config);
    if (created.kind !== "created") {
      const message = created.kind === "no-memory" ? "cannot (re-)build domain: -3" : `Domain with name "${config.name}" already exists.`;
      ctx.io.stderr(libxlLine("error", created.kind === "no-memory" ? "domcreate_rebuild_done" : "libxl__domain_rename", created.domid, message));
      return 1;
    }
    const domid = created.domain.domid;
    let loaded = 0;
    for (let record = await readRecord(reader); record.type !== "end"; record = await readRecord(reader)) {
      if (record.type !== "pages") {
        ctx.io.stderr(libxlLine("error", "libxl__xc_domain_restore_done", domid, "restoring domain: Invalid argument"));
        await destroyDomain(ctx, domid);
        return 1;
      }
      await ctx.clock.sleep(ctx.clock.scale(transferMs(record.pages, ctx.clock.timing.saveMsPerGiB)));
      loaded += record.pages;
      if (growArriving(ctx, domid, Math.floor(loaded / PAGES_PER_MIB)) !== "ok") {
        ctx.io.stderr(libxlLine("error", "libxl__xc_domain_restore_done", domid, "restoring domain: Cannot allocate memory"));
        await destroyDomain(ctx, domid);
        return 1;
      }
    }
    const missing = missingDevices(ctx.read(), config);
    if (missing.length > 0) {
      ctx.io.stderr(libxlLine("error", "domcreate_attach_devices", domid, `unable to add devices: ${missing.map((m) => m.name).join(", ")} not found`));
      await destroyDomain(ctx, domid);
      return 1;
    }
    if (!flags.has("e") && !flags.has("F")) await spawnDetached("sim-monitor", [ctx.root, ctx.host, String(domid), config.uuid], childEnv(ctx), daemonErrorLog(ctx));
    if (!flags.has("p")) ctx.update((record) => {
      const domain = findByDomid(record, domid);
      if (domain) unpauseDomain(record, domain, ctx.persona.pauseCounted, Date.now());
    });
    return 0;
  },
};

export const xlRename: XlCommand = {
  name: "rename",
  description: "Rename a domain",
  usage: "<Domain> <NewDomainName>",
  modifies: true,
  spec: { short: "" },
  minArgs: 2,
  latency: "controlMs",
  async run(ctx, options) {
    const [domain, newName] = options.positional as [string, string];
    const domid = findDomain(ctx, ctx.read(), domain);
    const outcome = renameLive(ctx, domid, newName);
    if (outcome === "renamed") return 0;
    if (outcome === "name-taken") ctx.io.stderr(libxlLine("error", "libxl__domain_rename", domid, `Domain with name "${newName}" already exists.`));
    ctx.io.stderr(`Can't rename domain '${domain}'.\n`);
    return 1;
  },
};
