import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readCibText } from "../../../../lib/cib/check/check.ts";
import { attributeEvent, failEvents, moveEvent, standbyEvents, type EventsResult } from "../../../../lib/cib/plan/events.ts";
import type { Cib } from "../../../../lib/cib/model/model.ts";
import { simulate, type SimEvent } from "../../../../lib/cib/plan/simulate.ts";
import { readTransition, type Transition } from "../../../../lib/cib/plan/transition.ts";
import { runTool, type ToolContext } from "../../../../lib/cib/tools.ts";

/**
 * Steps of a case, one line each: "boot NODE..." (first step only: the
 * configuration's first transition with only these hosts ever seen), "fail NODE[ NODE...]", "standby NODE",
 * "move DOMAIN NODE", "attr NODE NAME VALUE", and "fail NODE... without
 * quorum" (last step only): the hosts crash and the survivors have lost quorum (corosync's
 * majority; crm_simulate keeps whatever quorum it is told).
 */
export function parseEvent(cib: Cib, line: string): EventsResult {
  const [verb = "", ...args] = line.trim().split(/\s+/);
  if (verb === "fail") return failEvents(cib, args.filter((a) => a !== "without" && a !== "quorum").join(","));
  if (verb === "standby") return standbyEvents(cib, args.join(","));
  if (verb === "move") return moveEvent(cib, args[0] ?? "", args[1]);
  if (verb === "attr") return attributeEvent(cib, `${args[0] ?? ""}:${args[1] ?? ""}=${args[2] ?? ""}`);
  return { ok: false, problem: `unknown step '${line}'` };
}

/** The configuration's first transition with only these hosts ever seen (the cluster told it has quorum). */
async function bootOnly(context: ToolContext, text: string, nodes: readonly string[]): Promise<{ ok: true; transition: Transition } | { ok: false; problem: string }> {
  const file = join(context.scratch, "boot.xml");
  const graph = join(context.scratch, "boot-graph.xml");
  await writeFile(file, text);
  const up = nodes.flatMap((node) => ["--node-up", node]);
  const ran = await runTool(context, "crm_simulate", ["--xml-file", file, "--simulate", "--quorum", "1", ...up, "--output-as=xml", "--save-graph", graph], { capMs: 600_000, accept: [0, 1] });
  if (!ran.ok) return { ok: false, problem: ran.message };
  const transition = readTransition(ran.result.stdout, await readFile(graph, "utf8").catch(() => ""));
  return transition.ok ? transition : { ok: false, problem: transition.problem };
}

export type StepsResult = { readonly ok: true; readonly transitions: readonly Transition[] } | { readonly ok: false; readonly problem: string };

/** One transition per step, from the configuration brought up in crm_simulate. */
export async function runSteps(context: ToolContext, text: string, steps: readonly (readonly string[])[]): Promise<StepsResult> {
  const read = readCibText(text);
  if (!read.ok) return { ok: false, problem: read.problem };
  let state = text;
  const transitions: Transition[] = [];
  for (const [i, lines] of steps.entries()) {
    const boot = lines.find((line) => line.startsWith("boot "));
    if (boot !== undefined) {
      if (i !== 0) return { ok: false, problem: "boot is the first step only" };
      const booted = await bootOnly(context, state, boot.split(/\s+/).slice(1));
      if (!booted.ok) return booted;
      transitions.push(booted.transition);
      continue;
    }
    const events: SimEvent[] = [];
    for (const line of lines) {
      const parsed = parseEvent(read.cib, line);
      if (!parsed.ok) return { ok: false, problem: parsed.problem };
      events.push(...parsed.events);
    }
    if (lines.some((line) => line.endsWith("without quorum"))) {
      // brought up (and settled) with an empty step list, then the crash with quorum lost
      if (i === 0) {
        const up = await simulate(context, state, []);
        if (!up.ok) return { ok: false, problem: up.message };
        state = up.state;
      }
      const file = join(context.scratch, `quorum-${i}.xml`);
      const graph = join(context.scratch, `quorum-${i}-graph.xml`);
      await writeFile(file, state);
      const fails = events.flatMap((e) => (e.kind === "fail" ? ["--node-fail", e.node] : []));
      const ran = await runTool(context, "crm_simulate", ["--xml-file", file, "--simulate", "--quorum", "0", ...fails, "--output-as=xml", "--save-graph", graph], { capMs: 600_000, accept: [0, 1] });
      if (!ran.ok) return { ok: false, problem: `${ran.message}: ${ran.result.stderr.trim().split("\n").slice(-3).join(" ")}` };
      // exit 1 is crm_simulate's "Transition failed: terminated": without quorum nothing can be fenced, the transition stops there
      const transition = readTransition(ran.result.stdout, await readFile(graph, "utf8").catch(() => ""));
      if (!transition.ok) return { ok: false, problem: transition.problem };
      transitions.push(transition.transition);
      continue;
    }
    const result = await simulate(context, state, [events]);
    if (!result.ok) return { ok: false, problem: result.message };
    state = result.state;
    transitions.push(...result.steps.map((s) => s.transition));
  }
  return { ok: true, transitions };
}
