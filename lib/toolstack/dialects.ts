import type { Dialect, ToolstackFeatures } from "./dialect.ts";
import type { ToolstackName } from "./toolstack.ts";
import { xlDialect } from "./xl.ts";
import { xmDialect } from "./xm.ts";

/** Every toolstack xen-ha drives, by name: the one table that chooses between xl and xm. */
export const DIALECTS: Readonly<Record<ToolstackName, Dialect>> = { xl: xlDialect, xm: xmDialect };

/** What the toolstack called `name` can do (dialect.ts, ToolstackFeatures). */
export const featuresOf = (name: ToolstackName): ToolstackFeatures => DIALECTS[name].features;
