import t from "tap";
import { join } from "node:path";
import { readCibText } from "../../../lib/cib/check/check.ts";
import { explainStep } from "../../../lib/cib/plan/explain.ts";
import { simulate, type SimEvent } from "../../../lib/cib/plan/simulate.ts";
import { casesOfKind, renderCase } from "./support/cases.ts";
import { describeActions, holds } from "./support/facts.ts";
import { golden } from "./support/golden.ts";
import { parseEvent } from "./support/steps.ts";
import { SKIP_PACEMAKER, toolContext } from "./support/tools.ts";

/**
 * Each topology in crm_simulate: the template is brought up, then every step's
 * events (one line each: "fail NODE", "standby NODE", "move DOMAIN NODE",
 * "attr NODE NAME VALUE"; support/steps.ts) cause a transition that must show the facts listed
 * for that step (support/facts.ts). The plain-words explanation is golden.
 */
for (const { name, dir, spec } of casesOfKind("simulate")) {
  t.test(`${name}: ${spec.description}`, { skip: SKIP_PACEMAKER }, async (t) => {
    const rendered = renderCase(spec);
    if (!rendered.ok) return t.fail(`the template renders: ${rendered.problems.join("; ")}`);
    t.same(rendered.unapplied ?? [], [], "every edit applies");
    const read = readCibText(rendered.text);
    if (!read.ok) return t.fail(read.problem);
    const steps: SimEvent[][] = spec.steps.map((lines) =>
      lines.flatMap((line) => {
        const events = parseEvent(read.cib, line);
        if (!events.ok) throw new Error(events.problem);
        return [...events.events];
      }),
    );
    const { context, cleanup } = toolContext();
    t.teardown(cleanup);
    const result = await simulate(context, rendered.text, steps);
    if (!result.ok) return t.fail(`crm_simulate: ${result.message}`);
    t.equal(result.steps.length, spec.steps.length, "one transition per step");
    result.steps.forEach((step, i) => {
      for (const fact of spec.expect[i] ?? []) {
        t.ok(holds(step.transition, fact), `step ${i + 1}: ${fact}`, { actions: describeActions(step.transition) });
      }
    });
    const summary = [
      `assuming: ${result.assumptions.join("; ")}\n`,
      ...result.steps.map((step, i) => {
        const explanation = explainStep(result.cib, step);
        return `\n${i + 1}. ${explanation.title}\n${explanation.lines.map((line) => `   ${line}\n`).join("")}`;
      }),
    ].join("");
    const { expected, exists } = golden(join(dir, "expected.summary"), summary);
    t.ok(exists, "expected.summary exists");
    t.equal(summary, expected, "expected.summary");
  });
}
