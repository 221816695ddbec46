import t from "tap";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { crmVerify, readCibText, semanticProblems } from "../../../lib/cib/check/check.ts";
import { importHeartbeat } from "../../../lib/cib/import/import-heartbeat.ts";
import { formatProblem } from "../../../lib/cib/model/problem.ts";
import { shippedAgents } from "./support/agents.ts";
import { casesOfKind } from "./support/cases.ts";
import { golden } from "./support/golden.ts";
import { SKIP_PACEMAKER, toolContext } from "./support/tools.ts";

/**
 * Heartbeat 2.0/2.1 CIB -> golden converted CIB and golden notes (what could
 * not be carried over is listed there too, as "not carried over: ..."). Pacemaker 2.1
 * refuses the input (crm_verify exit 78, it cannot upgrade it); an output
 * with nothing left behind must read as a CIB and pass crm_verify and
 * `xen-ha cib check`.
 */
for (const { name, dir, spec } of casesOfKind("import")) {
  t.test(`${name}: ${spec.description}`, async (t) => {
    const input = readFileSync(join(dir, spec.input), "utf8");
    const result = importHeartbeat(input, spec.schema ?? "pacemaker-3.0", shippedAgents);
    if (!result.ok) return t.fail(result.problem);
    const xml = golden(join(dir, "expected.xml"), result.text);
    t.equal(result.text, xml.expected, "expected.xml");
    const notes = [...result.notes, ...result.problems.map((problem) => `not carried over: ${problem}`)].map((line) => `${line}\n`).join("");
    t.equal(notes, golden(join(dir, "expected-notes.txt"), notes).expected, "expected-notes.txt");
    const read = readCibText(result.text);
    t.ok(read.ok, "the result reads as a current CIB");
    if (result.problems.length > 0) return; // the CLI writes nothing: the notes golden is the outcome
    if (read.ok) t.same(semanticProblems(read.cib, shippedAgents).filter((p) => p.severity === "error").map(formatProblem), [], "xen-ha cib check finds no error");
    t.notOk(readCibText(input).ok, "the input is recognised as a Heartbeat 2.0 CIB");

    t.test("Pacemaker refuses the input and accepts the result", { skip: SKIP_PACEMAKER }, async (t) => {
      const { context, cleanup } = toolContext();
      t.teardown(cleanup);
      const before = await crmVerify(context, input);
      t.ok(before.ran && before.problems.length > 0, "crm_verify rejects the Heartbeat 2.0 file");
      const after = await crmVerify(context, result.text);
      t.ok(after.ran, "crm_verify ran");
      if (after.ran) t.same(after.problems.map(formatProblem), [], "crm_verify accepts the converted file");
    });
  });
}

t.test("a CIB that is already in the Pacemaker format is refused, with what to do", async (t) => {
  const result = importHeartbeat('<cib validate-with="pacemaker-3.0"><configuration/></cib>', "pacemaker-3.0", shippedAgents);
  t.same(result, { ok: false, problem: "this CIB is already in the Pacemaker format (pacemaker-3.0); use 'xen-ha cib check' on it" });
});

t.test("text that is not a CIB is refused", async (t) => {
  t.match(importHeartbeat("<cib><oops></cib>", "pacemaker-3.0", shippedAgents), { ok: false, problem: /not well-formed XML/ });
  t.match(importHeartbeat("<resources/>", "pacemaker-3.0", shippedAgents), { ok: false, problem: "the root element is <resources>, not <cib>" });
});
