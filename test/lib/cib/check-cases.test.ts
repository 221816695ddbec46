import t from "tap";
import { join } from "node:path";
import { crmVerify, readCibText, semanticProblems } from "../../../lib/cib/check/check.ts";
import { formatProblem } from "../../../lib/cib/model/problem.ts";
import { casesOfKind, renderCase } from "./support/cases.ts";
import { golden } from "./support/golden.ts";
import { PACEMAKER, toolContext } from "./support/tools.ts";

/**
 * A broken variant of a template (the template rendered, then edited as
 * case.json says) -> the problems `xen-ha cib check` reports, golden, and
 * crm_verify's verdict beside them: most of these mistakes pass crm_verify,
 * which is why the check exists.
 */
for (const { name, dir, spec } of casesOfKind("check")) {
  t.test(`${name}: ${spec.description}`, async (t) => {
    const rendered = renderCase(spec);
    if (!rendered.ok) return t.fail(`the template renders: ${rendered.problems.join("; ")}`);
    t.same(rendered.unapplied, [], "every edit applies to the rendered template");
    const read = readCibText(rendered.text);
    if (!read.ok) return t.fail(`the variant reads: ${read.problem}`);
    const problems = semanticProblems(read.cib);
    const severity = spec.description.startsWith("warning:") ? "warning" : "error";
    t.ok(problems.some((p) => p.severity === severity), `the mistake is caught as ${severity === "error" ? "an error" : "a warning"}`);
    let verdict = "crm_verify: not installed\n";
    if (PACEMAKER) {
      const { context, cleanup } = toolContext();
      t.teardown(cleanup);
      const verify = await crmVerify(context, rendered.text);
      verdict = !verify.ran ? `crm_verify: ${verify.reason}\n` : verify.problems.length === 0 ? "crm_verify: accepts it\n" : "crm_verify: rejects it\n";
    }
    const actual = problems.map(formatProblem).join("") + verdict;
    const { expected, exists } = golden(join(dir, "expected-problems.txt"), actual);
    t.ok(exists, "expected-problems.txt exists");
    t.equal(actual, expected, "expected-problems.txt");
  });
}
