import type { Cib } from "../../cib/model/model.ts";
import { attributeEvent, failEvents, moveEvent, standbyEvents, type EventsResult } from "../../cib/plan/events.ts";
import { explainStep } from "../../cib/plan/explain.ts";
import { simulate, type SimEvent } from "../../cib/plan/simulate.ts";
import { CliError, CliExit, type CliIo } from "../io.ts";
import { readCibFile } from "./files.ts";
import { withTools, type TimeoutOptions } from "./tools.ts";

/** One event of `cib simulate`, as given on the command line; read against the CIB when the command runs. */
export type SimulateStep =
  | { readonly kind: "fail" | "standby" | "attr"; readonly value: string }
  | { readonly kind: "move"; readonly domain: string; readonly node: string | undefined };

const eventsOf = (cib: Cib, step: SimulateStep): EventsResult => {
  switch (step.kind) {
    case "fail":
      return failEvents(cib, step.value);
    case "standby":
      return standbyEvents(cib, step.value);
    case "attr":
      return attributeEvent(cib, step.value);
    case "move":
      return moveEvent(cib, step.domain, step.node);
  }
};

/** `xen-ha cib simulate <file>`: the steps in the order given on the command line. */
export async function simulateCommand(io: CliIo, file: string, steps: readonly SimulateStep[], options: TimeoutOptions): Promise<void> {
  const { text, cib } = await readCibFile(io, file);
  if (steps.length === 0) throw new CliError(CliExit.Usage, "give at least one event: --fail NODE, --standby NODE, --move DOMAIN NODE or --attr NODE:NAME=VALUE");
  const events: SimEvent[][] = [];
  for (const step of steps) {
    const result = eventsOf(cib, step);
    if (!result.ok) throw new CliError(CliExit.Usage, result.problem);
    events.push([...result.events]);
  }
  const result = await withTools(io, options.timeout, (context) => simulate(context, text, events));
  if (!result.ok) throw new CliError(result.unavailable ? CliExit.Unavailable : CliExit.Problems, result.message);
  io.stdout(`crm_simulate on ${file}${result.assumptions.length > 0 ? `, assuming: ${result.assumptions.join("; ")}` : ""}\n`);
  result.steps.forEach((step, i) => {
    const explanation = explainStep(result.cib, step);
    io.stdout(`\n${i + 1}. ${explanation.title}\n${explanation.lines.map((line) => `   ${line}\n`).join("")}`);
  });
}
