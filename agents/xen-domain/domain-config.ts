import { readFileSync } from "node:fs";
import { notConfigured, notInstalled } from "../../lib/ocf/exit-code.ts";
import { domainSettings, type DomainSettings } from "../../lib/toolstack/domain-settings.ts";
import type { Toolstack, ToolstackName } from "../../lib/toolstack/toolstack.ts";
import { parseXlConfig, type ConfigValue } from "../../lib/toolstack/xl-config.ts";
import { domainNameProblem } from "../../lib/toolstack/domain-name.ts";
import type { XenDomainParams } from "./params.ts";
import type { ParamValues } from "../../lib/ocf/params.ts";
import type { XenContext } from "./deps.ts";
import { recordPath } from "./record.ts";

/** The domain's configuration file as this host sees it. It is read, never executed or written. */
export type ConfigRead =
  | { readonly kind: "ok"; readonly settings: DomainSettings }
  | { readonly kind: "unreadable"; readonly problem: string }
  | { readonly kind: "unparseable"; readonly problem: string };

/**
 * xm configs are Python: lines outside the xl.cfg subset (an import, `True`)
 * are skipped one by one instead of rejecting the file, so that name= and
 * memory= are still found. xl would refuse such a file, so for xl it is an error.
 */
function lenientSettings(text: string): ReadonlyMap<string, ConfigValue> {
  const settings = new Map<string, ConfigValue>();
  for (const line of text.split("\n")) {
    const parsed = parseXlConfig(line);
    if (parsed.ok) for (const [key, value] of parsed.settings) settings.set(key, value);
  }
  return settings;
}

export function readDomainConfig(path: string, toolstack: ToolstackName): ConfigRead {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return { kind: "unreadable", problem: `xmfile ${path} cannot be read on this host (${code})` };
  }
  const parsed = parseXlConfig(text);
  if (parsed.ok) return { kind: "ok", settings: domainSettings(parsed.settings, toolstack) };
  if (toolstack === "xm") return { kind: "ok", settings: domainSettings(lenientSettings(text), toolstack) };
  return { kind: "unparseable", problem: `xmfile ${path}: ${parsed.problem}` };
}

/**
 * The domain's name: the `name` parameter, else the config's name=. Never the
 * resource id: checking a wrong name would report a running domain as stopped.
 */
export function domainName(params: ParamValues<XenDomainParams>, config: ConfigRead): string {
  if (params.name !== undefined) return params.name;
  const unset = "name is not set";
  if (config.kind !== "ok") throw notConfigured(`${unset} and ${config.problem}; set the name parameter`);
  const fromFile = config.settings.name;
  if (fromFile === undefined) throw notConfigured(`${unset} and xmfile ${params.xmfile} has no name= setting`);
  const problem = domainNameProblem(fromFile);
  if (problem) throw notConfigured(`xmfile ${params.xmfile}: name ${problem}`);
  return fromFile;
}

/** Everything an action needs to know about its resource before it looks at the host. */
export interface Resource {
  readonly toolstack: Toolstack;
  readonly name: string;
  /** undefined when the config file is unreadable or unparseable here (then only the name parameter is known). */
  readonly settings: DomainSettings | undefined;
  readonly recordFile: string;
}

/**
 * The toolstack first (so that a host without one answers "not installed"
 * before anything else), then the config and the name. With `requireConfig`
 * (start, validate-all) an unreadable file is 5 and an unparseable one 6.
 */
export function resolveResource(ctx: XenContext, options: { readonly requireConfig: true }): Resource & { readonly settings: DomainSettings };
export function resolveResource(ctx: XenContext, options: { readonly requireConfig: boolean }): Resource;
export function resolveResource(ctx: XenContext, options: { readonly requireConfig: boolean }): Resource {
  const toolstack = ctx.deps.toolstack();
  const config = readDomainConfig(ctx.params.xmfile, toolstack.name);
  if (options.requireConfig && config.kind === "unreadable") throw notInstalled(config.problem);
  if (options.requireConfig && config.kind === "unparseable") throw notConfigured(config.problem);
  return {
    toolstack,
    name: domainName(ctx.params, config),
    settings: config.kind === "ok" ? config.settings : undefined,
    recordFile: recordPath(ctx.deps.stateDir, ctx.ocf.instance),
  };
}
