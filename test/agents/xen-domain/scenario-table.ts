import type { Test } from "tap";
import type { PersonaId } from "../../../lib/sim/index.ts";
import type { Env } from "../../support/run-agent-in-process.ts";
import { simResource, type SimResource, type SimResourceOptions } from "../../support/sim-resource.ts";

/**
 * Scenario tables in the style of resource-agents' ocft: each scenario sets a
 * scene on a fresh simulated host and runs agent actions with expected codes,
 * exit reasons and time limits; `check` steps read the simulator's ground truth.
 */
export type Step =
  | {
      readonly act: string;
      /** Added to (undefined: removed from) the resource's environment; a function sees the resource. */
      readonly env?: Env | ((r: SimResource) => Env);
      /** Omitted: any code (the step is there for what it must not do, checked afterwards). */
      readonly code?: number;
      /** The last exit reason must match; without it, a success or 7 must print none. */
      readonly reason?: RegExp;
      /** The action must answer within this many ms (e.g. before the op timeout). */
      readonly withinMs?: number;
      /** Something the agent must have logged. */
      readonly logged?: RegExp;
      /** Something the agent must not have logged. */
      readonly unlogged?: RegExp;
    }
  | { readonly scene: string; readonly run: (r: SimResource) => Promise<unknown> | unknown }
  | { readonly check: string; readonly run: (r: SimResource) => unknown; readonly is: unknown };

export interface Scenario {
  readonly name: string;
  readonly options?: SimResourceOptions;
  /** Toolstacks the scenario applies to; default both. */
  readonly only?: readonly ("xl" | "xm")[];
  readonly steps: readonly Step[];
}

export const PERSONA_OF = { xl: "xl-4.17", xm: "xm" } as const satisfies Record<string, PersonaId>;

// Environment pieces, named as a reader of the tables thinks of them.
export const probe: Env = { OCF_RESKEY_CRM_meta_interval: "0" };
export const recurring: Env = { OCF_RESKEY_CRM_meta_interval: "10000" };
export const opTimeout = (ms: number): Env => ({ OCF_RESKEY_CRM_meta_timeout: String(ms) });

export async function playScenario(t: Test, scenario: Scenario, tool: "xl" | "xm"): Promise<void> {
  const r = simResource({ ...scenario.options, persona: scenario.options?.persona ?? PERSONA_OF[tool] });
  t.teardown(r.dispose);
  for (const [index, step] of scenario.steps.entries()) {
    const label = `${index + 1}.`;
    if ("act" in step) {
      const result = await r.run(step.act, typeof step.env === "function" ? step.env(r) : step.env);
      if (step.code === undefined) {
        t.comment(`${label} ${step.act} → ${result.code} ${result.reasons.at(-1) ?? ""}`);
        continue;
      }
      t.equal(result.code, step.code, `${label} ${step.act} → ${step.code}`, { stderr: result.stderr });
      if (step.reason) t.match(result.reasons.at(-1) ?? "", step.reason, `${label} exit reason`);
      else if (step.code === 0 || step.code === 7) t.same(result.reasons, [], `${label} no exit reason`);
      if (step.logged) t.match(result.stderr, step.logged, `${label} logged`);
      if (step.unlogged) t.notMatch(result.stderr, step.unlogged, `${label} not logged`);
      if (step.withinMs !== undefined) t.ok(result.ms < step.withinMs, `${label} answered in ${result.ms} ms (< ${step.withinMs})`);
    } else if ("is" in step) {
      t.same(await step.run(r), step.is, `${label} ${step.check}`);
    } else {
      await step.run(r);
    }
  }
}

/** Registers every scenario once per toolstack it applies to. */
export function playTable(t: Test, scenarios: readonly Scenario[]): void {
  for (const scenario of scenarios) {
    for (const tool of scenario.only ?? (["xl", "xm"] as const)) {
      t.test(`${tool}: ${scenario.name}`, (t) => playScenario(t, scenario, tool));
    }
  }
}

/** Waits until the simulator's ground truth satisfies `ready` (bounded; scenes, not assertions). */
export async function until(r: SimResource, ready: (r: SimResource) => boolean, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!ready(r)) {
    if (Date.now() > end) throw new Error("the simulated scene did not settle in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
