import t from "tap";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "../../../lib/exec/command.ts";
import { renderFenceMetadata, renderFenceUsage } from "../../../lib/fence/fence-metadata.ts";
import { fenceXenDocs } from "../../../agents/fence-xen/agent.ts";
import { matchGolden } from "../../support/golden.ts";

/** fence-agents' RelaxNG schema as Debian's fence-agents package installs it (FenceAgentAPI.md asks for it). */
const FENCE_RNG = "/usr/share/cluster/relaxng/metadata.rng";

t.test("fence_xen meta-data matches its golden file", async (t) => {
  matchGolden(t, "fence/fence_xen-metadata.xml", renderFenceMetadata(fenceXenDocs));
});

t.test("fence_xen meta-data is valid against fence-agents' metadata.rng", { skip: existsSync(FENCE_RNG) ? false : `${FENCE_RNG} not installed` }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "fence-md-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "fence_xen.xml");
  writeFileSync(file, renderFenceMetadata(fenceXenDocs));
  const result = await runCommand("xmllint", ["--noout", "--relaxng", FENCE_RNG, file], { timeoutMs: 20_000 });
  t.equal(result.exitCode, 0, result.stderr);
  t.match(result.stderr, /validates/);
});

t.test("every parameter has a getopt form, and an old name is listed as deprecated", async (t) => {
  const text = renderFenceMetadata(fenceXenDocs);
  t.match(text, /<parameter name="plug" unique="0" required="0" obsoletes="port">\s*<getopt mixed="-n, --plug=\[plug\]"\/>/);
  t.match(text, /<parameter name="port" unique="0" required="0" deprecated="1">/);
  t.match(text, /<getopt mixed="-v, --verbose"\/>/, "a boolean is a bare flag");
  t.match(text, /<content type="select" default="strict">\s*<option value="strict"\/>/);
  t.match(text, /<action name="on" automatic="0"\/>/, "on is not unfencing");
  for (const action of ["off", "reboot", "status", "list", "list-status", "monitor", "metadata", "validate-all"]) {
    t.match(text, new RegExp(`<action name="${action}"/>`));
  }
});

t.test("usage lists every option with its getopt form and default", async (t) => {
  const text = renderFenceUsage(fenceXenDocs);
  t.match(text, /-a, --dom0-list=\[dom0_list\]\s+Dom0s that may host the domain \(required\)/);
  t.match(text, /--power-timeout=\[power_timeout\]\s+Test X seconds for status change after ON\/OFF \(default 20\)/);
});
