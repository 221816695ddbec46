import type { OcfExitCode } from "./exit-code.ts";
import type { OcfContext } from "./context.ts";
import type { Deadline } from "./deadline.ts";
import type { Logger } from "./logger.ts";
import type { Params, ParamValues } from "./params.ts";

/** OCF action names, spelled as the protocol spells them. */
export type ActionName =
  | "start"
  | "stop"
  | "monitor"
  | "status"
  | "validate-all"
  | "reload"
  | "reload-agent"
  | "migrate_to"
  | "migrate_from"
  | "notify";

/** Advertised durations carry their unit, so "20" without "s" does not compile. */
export type Duration = `${number}s`;

export interface ActionContext<P extends Params, D> {
  readonly params: ParamValues<P>;
  readonly ocf: OcfContext;
  readonly log: Logger;
  readonly deadline: Deadline;
  readonly deps: D;
}

export type ActionHandler<P extends Params, D> = (ctx: ActionContext<P, D>) => Promise<OcfExitCode>;

export interface ActionSpec<P extends Params, D> {
  /** The timeout advertised in meta-data, and the budget used when the caller gives none. */
  readonly timeout: Duration;
  readonly run: ActionHandler<P, D>;
  /** Extra advertised entries, e.g. a monitor at interval 10s and another at depth 10. */
  readonly advertise?: readonly { readonly interval?: Duration; readonly depth?: number; readonly timeout?: Duration }[];
}

export interface AdvertisedAction {
  readonly name: ActionName | "meta-data";
  readonly timeout: Duration;
  readonly interval?: Duration;
  readonly depth?: number;
}

export interface AgentDefinition<P extends Params, D> {
  readonly name: string;
  readonly version: string;
  readonly shortdesc: string;
  readonly longdesc: string;
  readonly params: P;
  readonly actions: Readonly<Partial<Record<ActionName, ActionSpec<P, D>>>> & {
    readonly start: ActionSpec<P, D>;
    readonly stop: ActionSpec<P, D>;
    readonly monitor: ActionSpec<P, D>;
  };
  /** Every action as meta-data lists it, derived once from `actions`. */
  readonly advertised: readonly AdvertisedAction[];
}

/** The descriptive half of a definition: what meta-data, usage and the CIB checks read. */
export interface AgentDocs {
  readonly name: string;
  readonly version: string;
  readonly shortdesc: string;
  readonly longdesc: string;
  readonly params: Params;
  readonly advertised: readonly AdvertisedAction[];
}

export const toMs = (d: Duration): number => Math.round(Number(d.slice(0, -1)) * 1000);

/**
 * Builds an agent definition and checks what types cannot: a reloadable
 * parameter needs reload-agent, and reload-agent needs a reloadable parameter.
 */
export function defineAgent<P extends Params, D>(
  spec: Omit<AgentDefinition<P, D>, "advertised">,
): AgentDefinition<P, D> {
  const reloadable = Object.entries(spec.params).filter(([, p]) => p.reloadable).map(([n]) => n);
  if (reloadable.length > 0 && !spec.actions["reload-agent"]) {
    throw new Error(`${spec.name}: reloadable parameters (${reloadable.join(", ")}) need a reload-agent action`);
  }
  if (spec.actions["reload-agent"] && reloadable.length === 0) {
    throw new Error(`${spec.name}: reload-agent without any reloadable parameter`);
  }
  const advertised: AdvertisedAction[] = [];
  for (const [name, action] of Object.entries(spec.actions) as [ActionName, ActionSpec<P, D>][]) {
    if (name === "status") continue; // legacy alias of monitor: implemented, not advertised
    const extras = action.advertise ?? [{}];
    for (const extra of extras) advertised.push({ name, timeout: extra.timeout ?? action.timeout, ...extra });
  }
  advertised.push({ name: "meta-data", timeout: "5s" });
  return { ...spec, advertised };
}
