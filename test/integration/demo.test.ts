import t from "tap";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { runCommand } from "../../lib/exec/command.ts";
import { privateOcfRootProblem } from "../../lib/install/private-ocf-root.ts";
import { demoSteps } from "../../lib/demo/scenario.ts";
import { CLUSTER_SWITCH } from "../../lib/cli/demo-command.ts";
import { REPO_ROOT } from "../support/install-once.ts";
import { outsideTap } from "../support/outside-tap.ts";

/**
 * `xen-ha demo` (what `npm run demo` runs after building), from the build, as
 * a user runs it, on the path a machine that cannot run the cluster takes:
 * XEN_HA_DEMO_CLUSTER=off stands in for a missing namespace, package or root.
 * The cluster demo itself runs in .ci/run (the README's first command).
 */
const problem = await privateOcfRootProblem(runCommand);
if (problem) t.plan(0, problem);
else {
  for (const persona of ["xl-4.17", "xm"]) {
    t.test(`without a cluster, the demo says why in one line, then tells the single-host story (${persona}) and cleans up`, async (t) => {
      const call = outsideTap(process.execPath, [join(REPO_ROOT, "dist", "bin", "xen-ha.js"), "demo", "--persona", persona]);
      const run = await runCommand(call.file, call.args, { timeoutMs: 300_000, env: { [CLUSTER_SWITCH]: "off" } });
      t.equal(run.exitCode, 0, "exits 0", { output: run.stdout + run.stderr });
      t.equal(
        run.stdout.split("\n")[0],
        `no cluster on this machine (${CLUSTER_SWITCH}=off): the single-host demo instead`,
        "its first line says why there is no cluster",
      );
      t.notMatch(run.stdout, /corosync|crm_resource --move|loses power/, "and nothing of the cluster story follows");
      t.match(run.stdout, `all ${demoSteps.length} steps behaved as expected`);
      for (const step of demoSteps) t.match(run.stdout, step.title);
      t.match(run.stdout, /exit reason: .*crashed/, "the crash is reported with its reason");
      const ocfRoot = /installed XenDomain into (\S+)/.exec(run.stdout)?.[1];
      t.ok(ocfRoot, "names its temporary OCF root");
      if (ocfRoot) t.notOk(existsSync(dirname(ocfRoot)), "and removes it");
    });
  }
}
