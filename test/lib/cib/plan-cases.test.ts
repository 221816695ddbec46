import t from "tap";
import { join } from "node:path";
import { readCibText } from "../../../lib/cib/check/check.ts";
import { planCib } from "../../../lib/cib/plan/plan.ts";
import { formatPlan } from "../../../lib/cib/plan/plan-report.ts";
import { casesOfKind, renderCase } from "./support/cases.ts";
import { golden } from "./support/golden.ts";

/** Template + values -> the admission table (golden) and the largest number of failed hosts tolerated. */
for (const { name, dir, spec } of casesOfKind("plan")) {
  t.test(`${name}: ${spec.description}`, async (t) => {
    const rendered = renderCase(spec);
    if (!rendered.ok) return t.fail(rendered.problems.join("; "));
    const read = readCibText(rendered.text);
    if (!read.ok) return t.fail(read.problem);
    const report = planCib(read.cib, spec.failures === undefined ? {} : { failures: spec.failures });
    t.equal(report.tolerated.value, spec.tolerated, `tolerates ${spec.tolerated} failed host(s)`);
    const text = formatPlan(report);
    t.equal(text, golden(join(dir, "expected.plan"), text).expected, "expected.plan");
  });
}
