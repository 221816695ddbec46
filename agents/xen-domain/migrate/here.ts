import { LOCAL, toolstackOn, type Dom0 } from "../../../lib/toolstack/dom0s.ts";
import type { XenContext } from "../deps.ts";

/** This host as a dom0, for the calls that move a domain (migrate, save, restore, rename): built as every other dom0 is. */
export const thisDom0 = (ctx: XenContext): Dom0 =>
  toolstackOn(LOCAL, { tool: ctx.deps.toolstack().name, run: ctx.deps.run, env: ctx.deps.env, callTimeoutMs: ctx.deadline.callTimeoutMs });
