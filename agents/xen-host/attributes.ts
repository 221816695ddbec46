import { describeFailure } from "../../lib/exec/command.ts";
import { genericError, notInstalled } from "../../lib/ocf/exit-code.ts";
import type { XenHostContext } from "./deps.ts";
import type { Colour } from "./health.ts";
import { forgetPublished, loadPublished, savePublished } from "./state.ts";

/**
 * The node attributes XenHost sets, each once: its name, what it holds
 * (the README's attribute table is made from `meaning`), and whether it is
 * written at every monitor or only when it changed (doc/xen-host.md §9).
 * Stop deletes them all.
 */
export const ATTRIBUTES = {
  health: {
    name: "#health-xen",
    meaning: "`green`, `yellow` or `red`: the worst check, damped (doc/xen-host.md §6); node-health-strategy acts on it",
    // written at every monitor: a red that vanished behind our back would read as a healthy host
    everyMonitor: true,
  },
  freeMemory: {
    name: "xen-free-memory-mib",
    meaning: "Xen's free memory (`xl info` free_memory), MiB",
    everyMonitor: false,
  },
  toolstackLatency: {
    name: "xen-toolstack-latency-ms",
    meaning: "how long `xl info` took, ms",
    everyMonitor: false,
  },
  reserveHeadroom: {
    name: "xen-reserve-headroom-mib",
    meaning:
      "what the host can still take and keep its failover reserve: free memory less the larger of `memory_reserve` and the " +
      "`reserve_from_cib` reserve, MiB, negative when short; only when a reserve is set and known in full (doc/xen-host.md §9)",
    everyMonitor: false,
  },
} as const;

type Name = keyof typeof ATTRIBUTES;

/** What one monitor found: undefined is "not known this time", so deleted (a stale figure must not steer placement). */
export type Published = { readonly health: Colour } & { readonly [K in Exclude<Name, "health">]: number | undefined };

const CALL_CAP_MS = 10_000;

/**
 * One crm_attribute call: transient (--lifetime reboot: the status section,
 * through pacemaker-attrd on a live node; a CIB file under CIB_file), for
 * this node (Pacemaker's on_node, else crm_attribute's own local node). The
 * `--opt=value` form keeps a value (a negative figure) from ever being read
 * as an option.
 */
async function crmAttribute(ctx: XenHostContext, name: string, value: string | undefined): Promise<void> {
  const node = ctx.ocf.onNode ? [`--node=${ctx.ocf.onNode}`] : [];
  const change = value === undefined ? ["--delete"] : [`--update=${value}`];
  const result = await ctx.deps.run("crm_attribute", [...node, `--name=${name}`, ...change, "--lifetime=reboot"], {
    timeoutMs: ctx.deadline.callTimeoutMs(CALL_CAP_MS),
    env: ctx.deps.env,
  });
  if (result.spawnError === "ENOENT") throw notInstalled("crm_attribute not found on PATH: cannot publish node attributes");
  if (result.exitCode !== 0) throw genericError(`cannot ${value === undefined ? "delete" : "set"} node attribute ${name}: ${describeFailure(result)}`);
}

/**
 * One call after the other: crm_attribute on a CIB file (CIB_file) reads,
 * changes and replaces the whole file, so parallel calls lose each other's
 * changes; through attrd they are cheap enough in a row.
 */
async function write(ctx: XenHostContext, changes: readonly (readonly [string, string | undefined])[]): Promise<void> {
  for (const [name, value] of changes) await crmAttribute(ctx, name, value);
}

const names = Object.keys(ATTRIBUTES) as Name[];

/**
 * Writes what this monitor found (deleting the figures not known). Each
 * crm_attribute is a process, so a figure equal to what the last monitor
 * published is left alone, except on a full write: at start
 * (`everything`), with no record of the last one, and at least every
 * `attribute_refresh` monitors, which brings back within that bound a figure
 * attrd lost behind our back (doc/xen-host.md §9). The record goes before the
 * first call and comes back once every call succeeded: after a write that
 * failed or was killed half-way, the next monitor writes everything. An
 * attribute that cannot be written is the agent's failure.
 */
export async function publish(ctx: XenHostContext, values: Published, options: { readonly everything: boolean }): Promise<void> {
  const last = options.everything ? undefined : loadPublished(ctx);
  const full = last === undefined || last.monitorsSinceFull + 1 >= ctx.params.attribute_refresh;
  const now: Record<string, string> = {};
  const changes: [string, string | undefined][] = [];
  for (const key of names) {
    const { name, everyMonitor } = ATTRIBUTES[key];
    const value = values[key]?.toString();
    if (value !== undefined) now[name] = value;
    if (full || everyMonitor || last.values[name] !== value) changes.push([name, value]);
  }
  forgetPublished(ctx);
  await write(ctx, changes);
  savePublished(ctx, { values: now, monitorsSinceFull: full ? 0 : last.monitorsSinceFull + 1 });
}

/** Deletes every attribute XenHost sets (deleting one that is not there succeeds). */
export const clear = (ctx: XenHostContext): Promise<void> => write(ctx, names.map((key) => [ATTRIBUTES[key].name, undefined] as const));
