import t from "tap";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "../../../lib/exec/command.ts";
import { singlePrimitiveCib } from "../../../lib/demo/cib.ts";

const cib = singlePrimitiveCib({
  id: "vm1-rsc",
  provider: "xen-ha",
  type: "XenDomain",
  params: { xmfile: "/etc/xen/a&b <c>.cfg", name: "vm1" },
  timeouts: { start: 60, stop: 40, monitor: 20 },
});

t.test("values are escaped by construction", async (t) => {
  t.match(cib, 'value="/etc/xen/a&amp;b &lt;c&gt;.cfg"');
});

t.test("Pacemaker accepts the CIB (crm_verify)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "xen-ha-cib-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "cib.xml");
  writeFileSync(file, cib);
  const run = await runCommand("crm_verify", ["--xml-file", file], { timeoutMs: 30_000 });
  t.equal(run.exitCode, 0, "crm_verify exits 0", { output: run.stdout + run.stderr });
});
