import t from "tap";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crmVerify, readCibText, semanticProblems } from "../../../lib/cib/check/check.ts";
import { shippedAgents } from "./support/agents.ts";
import { formatProblem } from "../../../lib/cib/model/problem.ts";
import { runTool } from "../../../lib/cib/tools.ts";
import { parseXml } from "../../../lib/xml/parse.ts";
import { writeXml } from "../../../lib/cib/model/write.ts";
import { casesOfKind, renderCase } from "./support/cases.ts";
import { golden } from "./support/golden.ts";
import { SKIP_PACEMAKER, toolContext } from "./support/tools.ts";

/**
 * Template + values -> golden XML (or the list of problems). Every complete
 * CIB must also pass our own checks and crm_verify; a section fragment must
 * load into an empty CIB with cibadmin --create and then pass crm_verify.
 */
for (const { name, dir, spec } of casesOfKind("render")) {
  t.test(`${name}: ${spec.description}`, async (t) => {
    const result = renderCase(spec);
    const file = result.ok ? "expected.xml" : "expected-problems.txt";
    const actual = result.ok ? result.text : result.problems.map((p) => `${p}\n`).join("");
    const { expected, exists } = golden(join(dir, file), actual);
    t.ok(exists, `the outcome is ${file}`);
    t.equal(actual, expected, file);
    if (!result.ok) return;

    if (!spec.section) {
      const read = readCibText(result.text);
      t.ok(read.ok, "the rendered CIB reads back");
      if (!read.ok) return;
      t.same(semanticProblems(read.cib, shippedAgents).map(formatProblem), [], "xen-ha cib check finds nothing");
    }
    t.test("Pacemaker accepts it", { skip: SKIP_PACEMAKER }, async (t) => {
      const { context, cleanup } = toolContext();
      t.teardown(cleanup);
      let text = result.text;
      if (spec.section) {
        // A fragment is checked the way an admin loads it: into a CIB, with cibadmin.
        const base = join(context.scratch, "base.xml");
        const fragment = join(context.scratch, "fragment.xml");
        const empty = await runTool(context, "cibadmin", ["--empty"]);
        t.ok(empty.ok, "cibadmin --empty");
        if (!empty.ok) return;
        writeFileSync(base, empty.result.stdout);
        writeFileSync(fragment, result.text);
        const created = await runTool(context, "cibadmin", ["--create", "--scope", spec.section, "--xml-file", fragment], { env: { CIB_file: base } });
        t.ok(created.ok, `cibadmin --create -o ${spec.section} accepts the fragment`, { message: created.ok ? "" : created.message });
        const merged = parseXml(readFileSync(base, "utf8"));
        if (!merged.ok) return t.fail("cibadmin wrote XML");
        text = writeXml({ ...merged.root, children: merged.root.children.filter((c) => c.name !== "status") });
      }
      const verify = await crmVerify(context, text);
      t.ok(verify.ran, "crm_verify ran");
      if (verify.ran) t.same(verify.problems.map(formatProblem), [], "crm_verify is clean");
    });
  });
}
