import type { Params, ParamValues } from "../../ocf/params.ts";
import type { Xml } from "../../xml/xml.ts";
import type { Pairs } from "./build.ts";
import type { SchemaProfile } from "../model/schema.ts";

/** A cluster node as a template describes it; node ids are assigned by the renderer. */
export interface NodeSpec {
  readonly name: string;
  readonly utilization?: Pairs;
  /** Permanent node attributes (the nodes section), e.g. a migration address. */
  readonly attributes?: Pairs;
}

export interface FencingLevelSpec {
  readonly target: string;
  /** 1 is tried first. */
  readonly index: number;
  /** All devices of a level must succeed. */
  readonly devices: readonly string[];
}

/** What a template renders: the pieces of a configuration section by section. */
export interface CibParts {
  /** Cluster options (crm_config); stonith-enabled=true is always added. */
  readonly properties?: Pairs;
  readonly rscDefaults?: Pairs;
  readonly opDefaults?: Pairs;
  readonly nodes?: readonly NodeSpec[];
  readonly resources: readonly Xml[];
  readonly constraints?: readonly Xml[];
  readonly fencingLevels?: readonly FencingLevelSpec[];
}

export interface RenderContext {
  readonly profile: SchemaProfile;
}

export interface TemplateDefinition<V extends Params = Params> {
  /** kebab-case, as typed on the command line. */
  readonly name: string;
  readonly description: string;
  /** The failures this configuration protects against, one short sentence each. */
  readonly protects: readonly string[];
  /**
   * What the configuration relies on that no CIB can hold (corosync.conf's
   * timing, the guests' own settings), one short sentence each; `cib templates`
   * lists it and `cib render` repeats it on stderr.
   */
  readonly assumes?: readonly string[];
  readonly variables: V;
  /** Rules between variables that no single declaration can state; each problem starts with a variable name. */
  crossCheck?(values: ParamValues<V>): readonly string[];
  render(values: ParamValues<V>, context: RenderContext): CibParts;
}

/** Declares a template; the identity function that gives `render` its typed values. */
export function defineTemplate<V extends Params>(definition: TemplateDefinition<V>): TemplateDefinition<V> {
  if (!/^[a-z][a-z0-9-]*$/.test(definition.name)) throw new Error(`template name '${definition.name}' is not kebab-case`);
  return definition;
}
