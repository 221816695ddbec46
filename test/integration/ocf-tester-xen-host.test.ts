import t from "tap";
import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { runCommand } from "../../lib/exec/command.ts";
import { installedStage } from "../support/installed-sim.ts";
import { withExactEnv } from "../support/outside-tap.ts";
import { HEALTHY_DOM0, oneNodeCib, writeKernelScene } from "../support/xen-host-stage.ts";

/**
 * resource-agents' ocf-tester, unmodified, against the installed XenHost on a
 * simulated dom0. ocf-tester passes no node name, so crm_attribute writes for
 * its own local node: the CIB file names this machine.
 */
const stage = await installedStage("ocf-tester-host");
t.teardown(stage.dispose);

t.test("ocf-tester passes for XenHost, and its last stop leaves no #health-xen", async (t) => {
  const host = stage.domainOn("xl-4.17");
  const base = join(stage.simRoot, "xen-host");
  mkdirSync(base, { recursive: true });
  const sysroot = join(base, "kernel");
  writeKernelScene(sysroot, HEALTHY_DOM0);
  const cibFile = join(base, "cib.xml");
  writeFileSync(cibFile, oneNodeCib(hostname()));
  const env = { ...host.env, XEN_HA_SYSROOT: sysroot, CIB_file: cibFile };
  const callsBefore = host.calls();
  const call = withExactEnv(env, "ocf-tester", ["-n", "xen-host", "-o", "bridges=xenbr0", stage.installed.agentPath("XenHost")]);
  const run = await runCommand(call.file, call.args, { timeoutMs: 300_000 });
  const output = run.stdout + run.stderr;
  t.equal(run.exitCode, 0, "ocf-tester exits 0", { output });
  t.match(output, /passed all tests/);
  t.notMatch(output, /meta-data.*(fail|error)|does not conform/i);
  t.ok(host.calls() - callsBefore >= 2, `the tester's monitors asked the simulated xl (${host.calls() - callsBefore} calls)`);
  const status = await runCommand("cibadmin", ["--query", "--scope", "status"], { timeoutMs: 10_000, env: { CIB_file: cibFile } });
  t.notMatch(status.stdout, /health-xen/, "its last stop deleted #health-xen");
});
