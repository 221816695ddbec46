import t, { type Test } from "tap";
import { join } from "node:path";
import { crmVerify, readCibText, semanticProblems } from "../../../lib/cib/check/check.ts";
import { shippedAgents } from "./support/agents.ts";
import { formatProblem } from "../../../lib/cib/model/problem.ts";
import { fenceAgentProblems } from "../../../lib/cib/check/fence-agents.ts";
import { casesOfKind, renderCase, type CaseSpec } from "./support/cases.ts";
import { describeActions, holds } from "./support/facts.ts";
import { runSteps } from "./support/steps.ts";
import { golden } from "./support/golden.ts";
import { PACEMAKER, toolContext } from "./support/tools.ts";

type CheckSpec = Extract<CaseSpec, { kind: "check" }>;

/**
 * A broken variant of a template (the template rendered, then edited as
 * case.json says) -> the problems `xen-ha cib check` reports, golden, and
 * crm_verify's verdict beside them: most of these mistakes pass crm_verify,
 * which is why the check exists.
 */
/**
 * The mistake matters: in crm_simulate every fact of the proof holds for the
 * broken variant, and at least one of them does not for the template as
 * rendered (or as proof.clean says), so it is the mistake that makes the difference.
 */
async function proveItMatters(t: Test, proof: NonNullable<CheckSpec["proof"]>, broken: string, clean: ReturnType<typeof renderCase>): Promise<void> {
  if (!clean.ok) return void t.fail("the template renders without the edits");
  const { context, cleanup } = toolContext();
  t.teardown(cleanup);
  const [bad, good] = [await runSteps(context, broken, proof.steps), await runSteps(context, clean.text, proof.clean?.steps ?? proof.steps)];
  if (!bad.ok || !good.ok) return void t.fail(`crm_simulate: ${!bad.ok ? bad.problem : !good.ok ? good.problem : ""}`);
  bad.transitions.forEach((transition, i) => {
    for (const fact of proof.expect[i] ?? []) t.ok(holds(transition, fact), `crm_simulate, step ${i + 1}, with the mistake: ${fact}`, { actions: describeActions(transition) });
  });
  const differs = good.transitions.some((transition, i) => (proof.expect[i] ?? []).some((fact) => !holds(transition, fact)));
  t.ok(differs, "crm_simulate, without the mistake: not every fact holds (the edit makes the difference)");
}

for (const { name, dir, spec } of casesOfKind("check")) {
  t.test(`${name}: ${spec.description}`, async (t) => {
    const rendered = renderCase(spec);
    if (!rendered.ok) return t.fail(`the template renders: ${rendered.problems.join("; ")}`);
    t.same(rendered.unapplied ?? [], [], "every edit applies to the rendered template");
    const read = readCibText(rendered.text);
    if (!read.ok) return t.fail(`the variant reads: ${read.problem}`);
    const problems = semanticProblems(read.cib, shippedAgents);
    if (spec.fenceAgents && PACEMAKER) {
      const { context, cleanup } = toolContext();
      t.teardown(cleanup);
      problems.push(...(await fenceAgentProblems(context, read.cib, shippedAgents.agents)));
    }
    const severity = spec.description.startsWith("warning:") ? "warning" : "error";
    t.ok(problems.some((p) => p.severity === severity), `the mistake is caught as ${severity === "error" ? "an error" : "a warning"}`);
    let verdict = "crm_verify: not installed\n";
    if (PACEMAKER) {
      const { context, cleanup } = toolContext();
      t.teardown(cleanup);
      const verify = await crmVerify(context, rendered.text);
      verdict = !verify.ran ? `crm_verify: ${verify.reason}\n` : verify.problems.length === 0 ? "crm_verify: accepts it\n" : `crm_verify: rejects it:\n${verify.problems.map((p) => `  ${p.message}\n`).join("")}`;
    }
    const actual = problems.map(formatProblem).join("") + verdict;
    const { expected, exists } = golden(join(dir, "expected-problems.txt"), actual);
    t.ok(exists, "expected-problems.txt exists");
    t.equal(actual, expected, "expected-problems.txt");
    if (spec.proof && PACEMAKER) {
      const clean = renderCase({ ...spec, values: { ...spec.values, ...spec.proof.clean?.values }, edits: [] });
      await proveItMatters(t, spec.proof, rendered.text, clean);
    }
  });
}
