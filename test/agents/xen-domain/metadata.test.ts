import t from "tap";
import { runCommand } from "../../../lib/exec/command.ts";
import { runXenDomain } from "../../support/run-agent-in-process.ts";

/**
 * The meta-data's validity as ocf-tester checks it. (Its text is compared with
 * the golden files by the conformance table, test/agents/conformance.test.ts.)
 */
/** The DTD ocf-tester validates against (resource-agents package). */
const DTD_DIR = "/usr/share/resource-agents";

t.test("the 1.0 form is valid against ra-api-1.dtd, as ocf-tester checks it", async (t) => {
  const { stdout } = await runXenDomain("meta-data", {});
  const lint = await runCommand("xmllint", ["--noout", "--valid", "-"], { timeoutMs: 10_000, input: stdout, cwd: DTD_DIR });
  t.equal(lint.exitCode, 0, "xmllint --noout --valid", { stderr: lint.stderr });
  t.equal(lint.stderr, "", "no validity warnings");
});

t.test("the DTD check can fail: a 1.1-only attribute is rejected", async (t) => {
  const { stdout } = await runXenDomain("meta-data", {});
  const broken = stdout.replace('<parameter name="name" required="0" unique="1">', '<parameter name="name" required="0" unique="1" reloadable="1">');
  t.not(broken, stdout, "the mutation applied");
  const lint = await runCommand("xmllint", ["--noout", "--valid", "-"], { timeoutMs: 10_000, input: broken, cwd: DTD_DIR });
  t.not(lint.exitCode, 0, "xmllint refuses it");
});
