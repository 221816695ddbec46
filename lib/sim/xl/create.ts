import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { parseCfg } from "./cfg-parser.ts";
import { ToolExit, type SimContext } from "../context.ts";
import { domainConfigFrom } from "./domain-config.ts";
import { neededMiB, shrinkDom0 } from "../host/hypervisor.ts";
import { formatJson } from "./json-layout.ts";
import { libxlConfigJson } from "./libxl-json.ts";
import { buildDomain } from "../host/lifecycle.ts";
import { acquireUnbounded } from "../host/lock.ts";
import type { DomainConfig } from "../host/model.ts";
import { monitorDomain, registerMonitor } from "../host/monitor.ts";
import { xlMonitorLog } from "../host/monitor-log.ts";
import { hostPaths } from "../host/paths.ts";
import { helpText, type XlCommand } from "./command.ts";

/** `xl create` (xl_vmcontrol.c main_create, create_domain). */

function errnoText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "No such file or directory";
  if (code === "EACCES") return "Permission denied";
  if (code === "EISDIR") return "Is a directory";
  return String((error as Error).message);
}

/** Reads and parses the config (file contents, then each KEY=VALUE line); exits as xl does on failure. */
export function loadConfig(ctx: SimContext, file: string, extra: readonly string[], quiet: boolean): DomainConfig {
  let text = "";
  if (file !== "/dev/null") {
    try {
      text = readFileSync(isAbsolute(file) ? file : join(ctx.io.cwd, file), "utf8");
    } catch (error) {
      ctx.io.stderr(`Failed to read config file: ${file}: ${errnoText(error)}\n`);
      throw new ToolExit(3);
    }
  }
  if (extra.length > 0) text += `\n${extra.join("\n")}\n\n`;
  if (!quiet) ctx.io.stderr(`Parsing config from ${file}\n`);
  const parsed = parseCfg(text);
  if ("error" in parsed) {
    const { line, near, message } = parsed.error;
    ctx.io.stderr(`${file}:${line}: config parsing error near \`${near}': ${message}\n`);
    ctx.io.stderr("Failed to parse config: Invalid argument\n");
    throw new ToolExit(1);
  }
  const result = domainConfigFrom(parsed.settings);
  if ("error" in result) {
    ctx.io.stderr(`${result.error}\n`);
    throw new ToolExit(1);
  }
  return result.config;
}

/** Autoballoon: shrink Domain-0 within its floor, or give up after the credit time (exit 3). */
async function freeMemory(ctx: SimContext, config: DomainConfig): Promise<void> {
  if (ctx.update((record) => shrinkDom0(record, neededMiB(config)))) return;
  await ctx.clock.sleep(ctx.clock.ms("autoballoonCreditMs"));
  ctx.io.stderr("failed to free memory for the domain\n");
  throw new ToolExit(3);
}

export const xlCreate: XlCommand = {
  name: "create",
  description: "Create a domain from config file <filename>",
  usage: "<ConfigFile> [options] [vars]",
  modifies: true,
  canDryrun: true,
  options:
    "-h                      Print this help.\n" +
    "-p                      Leave the domain paused after it is created.\n" +
    "-c                      Connect to the console after the domain is created.\n" +
    "-f FILE, --defconfig=FILE\n                     Use the given configuration file.\n" +
    "-q, --quiet             Quiet.\n" +
    "-n, --dryrun            Dry run - prints the resulting configuration\n" +
    "                         (deprecated in favour of global -N option).\n" +
    "-d                      Enable debug messages.\n" +
    "-F                      Run in foreground until death of the domain.\n" +
    "-e                      Do not wait in the background for the death of the domain.\n" +
    "-V, --vncviewer         Connect to the VNC display after the domain is created.\n" +
    "-A, --vncviewer-autopass\n" +
    "                        Pass VNC password to viewer via stdin.",
  spec: { short: "Fnqf:pcdeVA", long: { dryrun: "n", quiet: "q", defconfig: "f", vncviewer: "V", "vncviewer-autopass": "A" } },
  minArgs: 0,
  async run(ctx, options) {
    const flags = new Set(options.flags);
    let file = options.values.get("f");
    const extra: string[] = [];
    for (const argument of options.positional) {
      if (argument.includes("=")) extra.push(argument);
      else if (file === undefined) file = argument;
      else {
        ctx.io.stdout(helpText(this));
        return 2;
      }
    }
    if (file === undefined) {
      ctx.io.stderr("Config file not specified and none in save file\n");
      return 6;
    }
    const config = loadConfig(ctx, file, extra, flags.has("q"));
    if (flags.has("n")) {
      const live = { name: config.name, uuid: config.uuid, vcpus: config.vcpus, maxMemoryMiB: config.maxMemoryMiB, targetMiB: config.memoryMiB };
      ctx.io.stdout(`${formatJson(libxlConfigJson(config, live), ctx.persona.json)}\n`);
      return 0;
    }
    const autoballoon = ctx.read().knobs.autoballoon;
    const release = autoballoon ? await acquireUnbounded(hostPaths(ctx.root, ctx.host).xlLockFile) : () => {};
    let built;
    try {
      if (autoballoon) await freeMemory(ctx, config);
      built = await buildDomain(ctx, config, flags.has("p"), !flags.has("e") && !flags.has("F"));
    } finally {
      release();
    }
    if (!built.ok) {
      ctx.io.stderr(built.stderr);
      return 3;
    }
    if (flags.has("e")) return 0;
    if (flags.has("F")) {
      registerMonitor(ctx, built.domid, config.uuid);
      await monitorDomain(ctx, built.domid, { log: xlMonitorLog((line) => ctx.io.stderr(`${line}\n`)), xend: false });
      return 0;
    }
    return 0;
  },
};
