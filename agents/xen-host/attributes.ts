import { describeFailure } from "../../lib/exec/command.ts";
import { genericError, notInstalled } from "../../lib/ocf/exit-code.ts";
import type { XenHostContext } from "./deps.ts";
import type { Colour } from "./health.ts";

/** The node attributes XenHost sets; stop deletes them all. */
export const ATTRIBUTES = {
  /** Pacemaker's node-health-strategy acts on every `#health-*` attribute (doc/xen-host.md §1). */
  health: "#health-xen",
  freeMemory: "xen-free-memory-mib",
  toolstackLatency: "xen-toolstack-latency-ms",
} as const;

export interface Published {
  readonly health: Colour;
  /** undefined: not known this time, so deleted (a stale figure must not steer placement). */
  readonly freeMemory: number | undefined;
  readonly toolstackLatency: number | undefined;
}

const CALL_CAP_MS = 10_000;

/**
 * One crm_attribute call: transient (--lifetime reboot: the status section,
 * through pacemaker-attrd on a live node; a CIB file under CIB_file), for
 * this node (Pacemaker's on_node, else crm_attribute's own local node). The
 * `--opt=value` form keeps a value from ever being read as an option.
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

/** Sets every attribute (deleting the figures not known); an attribute that cannot be written is the agent's failure. */
export const publish = (ctx: XenHostContext, values: Published): Promise<void> =>
  write(ctx, [
    [ATTRIBUTES.health, values.health],
    [ATTRIBUTES.freeMemory, values.freeMemory?.toString()],
    [ATTRIBUTES.toolstackLatency, values.toolstackLatency?.toString()],
  ]);

/** Deletes every attribute XenHost sets (deleting one that is not there succeeds). */
export const clear = (ctx: XenHostContext): Promise<void> => write(ctx, Object.values(ATTRIBUTES).map((name) => [name, undefined] as const));
