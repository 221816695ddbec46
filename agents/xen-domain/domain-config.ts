import { featuresOf } from "../../lib/toolstack/dialects.ts";
import { notConfigured, notInstalled } from "../../lib/ocf/exit-code.ts";
import { domainSettings, type DomainSettings } from "../../lib/toolstack/domain-settings.ts";
import type { Toolstack, ToolstackName } from "../../lib/toolstack/toolstack.ts";
import { parseXlConfig, type ConfigValue } from "../../lib/toolstack/xl-config.ts";
import { domainNameProblem } from "../../lib/toolstack/domain-name.ts";
import type { XenDomainParams } from "./params.ts";
import type { ParamValues } from "../../lib/ocf/params.ts";
import type { XenContext } from "./deps.ts";
import { readRecord, recordPath } from "./record.ts";

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

/**
 * A config is a few KiB (the largest real ones, with many disks, vifs and
 * pci lines, stay under 20 KiB). 1 MiB is fifty times that, small enough to
 * read and parse in milliseconds inside a monitor, and large enough that no
 * real config is refused; anything bigger is not a domain's config.
 */
export const CONFIG_MAX_BYTES = 1 << 20;
/**
 * A healthy local or network file system answers in milliseconds; a read
 * that takes this long will not answer in time. A read the action can do
 * without (settingsIfReadable) gets less.
 */
const CONFIG_READ_CAP_MS = 5_000;
const OPTIONAL_READ_CAP_MS = 2_000;

/** The config file, read without ever blocking the agent (lib/exec/read-user-file.ts), and parsed. */
export async function readDomainConfig(ctx: XenContext, path: string, toolstack: ToolstackName, capMs = CONFIG_READ_CAP_MS): Promise<ConfigRead> {
  const read = await ctx.deps.readUserFile(path, { maxBytes: CONFIG_MAX_BYTES, timeoutMs: ctx.deadline.callTimeoutMs(capMs) });
  if (!read.ok) return { kind: "unreadable", problem: `xmfile ${path} ${read.problem}` };
  const parsed = parseXlConfig(read.text);
  if (parsed.ok) return { kind: "ok", settings: domainSettings(parsed.settings, toolstack) };
  if (featuresOf(toolstack).pythonConfigs) return { kind: "ok", settings: domainSettings(lenientSettings(read.text), toolstack) };
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
 * before anything else), then the name and, where needed, the config.
 * - `config: "required"` (start, validate-all): the file is read; a file this
 *   host cannot read (missing, not a regular file, too large, no answer) is
 *   5, one xl cannot parse is 6.
 * - `config: "if-needed"` (monitor, stop, migration): the name comes from the
 *   name parameter, else from this host's record of the domain it saw
 *   running (the name it runs under, whatever the file says now); only
 *   without both is the file read for its name=. So a config that is broken,
 *   mid-edit or on an export that hangs cannot turn a running domain into a
 *   failed monitor or stop. Settings are then unknown (undefined): callers
 *   fall back to xl's defaults.
 */
export async function resolveResource(ctx: XenContext, options: { readonly config: "required" }): Promise<Resource & { readonly settings: DomainSettings }>;
export async function resolveResource(ctx: XenContext, options: { readonly config: "required" | "if-needed" }): Promise<Resource>;
export async function resolveResource(ctx: XenContext, options: { readonly config: "required" | "if-needed" }): Promise<Resource> {
  const toolstack = ctx.deps.toolstack();
  const recordFile = recordPath(ctx.deps.stateDir, ctx.ocf.instance);
  if (options.config === "if-needed") {
    const recorded = readRecord(recordFile).runningName;
    const known = ctx.params.name ?? (recorded !== undefined && domainNameProblem(recorded) === undefined ? recorded : undefined);
    if (known !== undefined) return { toolstack, name: known, settings: undefined, recordFile };
  }
  const config = await readDomainConfig(ctx, ctx.params.xmfile, toolstack.name);
  if (options.config === "required" && config.kind === "unreadable") throw notInstalled(config.problem);
  if (options.config === "required" && config.kind === "unparseable") throw notConfigured(config.problem);
  return {
    toolstack,
    name: domainName(ctx.params, config),
    settings: config.kind === "ok" ? config.settings : undefined,
    recordFile,
  };
}

/** The config's settings when this host can read and parse it now, else undefined; never fails the action. */
export async function settingsIfReadable(ctx: XenContext, toolstack: ToolstackName): Promise<DomainSettings | undefined> {
  const config = await readDomainConfig(ctx, ctx.params.xmfile, toolstack, OPTIONAL_READ_CAP_MS);
  if (config.kind === "ok") return config.settings;
  ctx.log.debug(`settings unknown: ${config.problem}`);
  return undefined;
}
