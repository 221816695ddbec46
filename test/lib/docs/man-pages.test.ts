import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { manPagesOfThisBuild } from "../../../bin/man-source.ts";
import { registry } from "../../../agents/index.ts";
import { runCommand } from "../../../lib/exec/command.ts";
import { roffText } from "../../../lib/docs/roff.ts";
import { matchGolden } from "../../support/golden.ts";

/**
 * The man pages come from the same declarations as the meta-data: the golden
 * pages change exactly when a parameter, an action or a command does (review
 * the diff after UPDATE_GOLDEN=1), and every page renders without a groff warning.
 */
const pages = manPagesOfThisBuild();
const work = mkdtempSync(join(tmpdir(), "xen-ha-man-"));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

t.same(
  pages.map((p) => p.file).sort(),
  [...registry.ocfAgents.map((a) => `ocf_${registry.provider}_${a.name}.7`), ...registry.fenceAgents.map((a) => `${a.name}.8`), "xen-ha.8"].sort(),
  "one page per OCF agent and fence agent, and the xen-ha command's",
);

for (const page of pages) {
  t.test(page.file, async (t) => {
    matchGolden(t, `man/${page.file}`, page.text);
    const file = join(work, page.file);
    writeFileSync(file, page.text);
    const groff = await runCommand("groff", ["-man", "-Tutf8", "-wall", "-z", file], { timeoutMs: 30_000 });
    t.equal(groff.exitCode, 0, "groff renders it");
    t.equal(groff.stderr, "", "without a warning");
  });
}

t.test("every parameter and action of each OCF agent is on its page", async (t) => {
  for (const agent of registry.ocfAgents) {
    const page = pages.find((p) => p.file === `ocf_${registry.provider}_${agent.name}.7`)?.text ?? "";
    for (const name of Object.keys(agent.params)) t.match(page, `\\fB${roffText(name)}\\fR`, `${agent.name}: ${name}`);
    for (const action of agent.advertised) t.match(page, `\\fB${roffText(action.name)}\\fR`, `${agent.name}: ${action.name}`);
  }
});

t.test("text cannot become a roff request", async (t) => {
  t.equal(roffText(".rm x\n'br\nback\\slash -x"), "\\&.rm x\n\\&'br\nback\\eslash \\-x");
});
