import t from "tap";
import { readCibText } from "../../../lib/cib/check/check.ts";
import { fenceAgentProblems } from "../../../lib/cib/check/fence-agents.ts";
import type { CommandResult } from "../../../lib/exec/command.ts";
import { createDeadline } from "../../../lib/ocf/deadline.ts";

/**
 * XML from outside (a fence agent's meta-data through stonith_admin, a
 * user's CIB file) that is not well-formed gets an error saying so, never a
 * crash nor a misleading one; among the texts, those fast-xml-parser's
 * validator passes and its parser throws on (strict-scan-fuzz.test.ts found
 * them).
 */
const malformed: readonly (readonly [string, string, RegExp])[] = [
  ["cut after a self-closing root's `/` (the parser throws)", "<resource-agent/", /not well-formed XML: the parser refuses it/],
  ["an unclosed element", "<resource-agent><parameters>", /not well-formed XML \(line 1\): /],
  ["nothing", "", /not well-formed XML \(line 1\): /],
  ["an attribute named prototype (the parser throws)", '<resource-agent prototype="x"/>', /not well-formed XML: the parser refuses it/],
  ["nesting past fast-xml-parser's limit (the parser throws)", `${"<a>".repeat(102)}${"</a>".repeat(102)}`, /not well-formed XML: the parser refuses it/],
];

const cib = readCibText('<cib validate-with="pacemaker-3.7"><configuration><crm_config/><nodes/><resources><primitive id="f1" class="stonith" type="fence_ipmilan"/></resources><constraints/></configuration><status/></cib>');
for (const [label, stdout, problem] of malformed) {
  t.test(`a fence agent's meta-data: ${label}`, async (t) => {
    if (!cib.ok) throw new Error(cib.problem);
    const run = async (file: string, args: readonly string[]): Promise<CommandResult> => ({ command: [file, ...args].join(" "), exitCode: 0, spawnError: undefined, signal: undefined, timedOut: false, stdout, stderr: "", durationMs: 1 });
    const problems = await fenceAgentProblems({ run, deadline: createDeadline(10_000), env: {}, scratch: "/nonexistent" }, cib.cib, []);
    t.match(problems, [{ message: /^the meta-data of fence_ipmilan could not be read here \(its meta-data is not well-formed XML/ }]);
    t.match(problems[0]?.message, problem);
  });
  t.test(`a CIB file: ${label}`, async (t) => {
    t.match(readCibText(stdout), { ok: false, problem: /^not well-formed XML: / });
  });
}
