import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { parseCfg, type CfgValue } from "../xl/cfg-parser.ts";
import type { SimContext } from "../context.ts";
import { domainConfigFrom } from "../xl/domain-config.ts";
import { neededMiB } from "../host/hypervisor.ts";
import { buildDomain } from "../host/lifecycle.ts";
import { hostPaths } from "../host/paths.ts";
import { findByName, freeMemoryMiB } from "../host/store.ts";
import { xmFail, type XmCommand } from "./command.ts";

/** `xm create` (xen34: tools/python/xen/xm/create.py): config search, Python-style config, xend's checks. */

/** create.py's search: the name as given, then ./NAME and /etc/xen/NAME; relative results get "./". */
function findConfig(ctx: SimContext, name: string): string | undefined {
  const candidates = isAbsolute(name) ? [name] : [name, join(hostPaths(ctx.root, ctx.host).etcXenDir, name)];
  for (const candidate of candidates) {
    const shown = isAbsolute(candidate) ? candidate : `./${candidate}`;
    if (existsSync(isAbsolute(candidate) ? candidate : join(ctx.io.cwd, candidate))) return shown;
  }
  return undefined;
}

export async function xmCreate(ctx: SimContext, command: XmCommand, args: readonly string[]): Promise<number> {
  const paused = args.includes("-p") || args.includes("--paused");
  const words = args.filter((a) => !a.startsWith("-"));
  const file = words.find((w) => !w.includes("=")) ?? "xmdefconfig";
  const found = findConfig(ctx, file);
  if (found === undefined) xmFail(ctx, `Unable to open config file: ${file}`, command);
  ctx.io.stdout(`Using config file "${found}".\n`);
  const parsed = parseCfg(readFileSync(isAbsolute(found) ? found : join(ctx.io.cwd, found), "utf8"));
  if ("error" in parsed) {
    const { near, line } = parsed.error;
    xmFail(ctx, /^[A-Za-z_]/.test(near) ? `name '${near}' is not defined` : `invalid syntax (${file}, line ${line})`);
  }
  const settings = new Map<string, CfgValue>(parsed.settings);
  // command-line variables are plain strings to xm: name=vm1 needs no quotes
  for (const word of words.filter((w) => w.includes("="))) {
    const [key = "", value = ""] = word.split(/=(.*)/s, 2);
    settings.set(key.trim(), { kind: "string", value: value.replace(/^(['"])(.*)\1$/s, "$2") });
  }
  const result = domainConfigFrom(settings, "xm");
  if ("error" in result) xmFail(ctx, result.error);
  const config = result.config;
  const record = ctx.read();
  const clash = findByName(record, config.name);
  if (clash) xmFail(ctx, `Domain '${config.name}' already exists with ID '${clash.domid}'`);
  if (freeMemoryMiB(record) < neededMiB(config)) {
    const need = neededMiB(config) * 1024;
    const have = freeMemoryMiB(record) * 1024;
    xmFail(ctx, `Not enough free memory and enable-dom0-ballooning is False, so I cannot release any more.  I need ${need} KiB but only have ${have}.`);
  }
  const built = await buildDomain(ctx, config, paused, true);
  if (!built.ok) xmFail(ctx, built.reason === "name-clash" ? `Domain '${config.name}' already exists` : "Failed to create domain");
  ctx.io.stdout(`Started domain ${config.name} (id=${built.domid})\n`);
  return 0;
}

