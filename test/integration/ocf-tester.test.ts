import t from "tap";
import { runCommand } from "../../lib/exec/command.ts";
import type { PersonaId } from "../../lib/sim/index.ts";
import { installedStage } from "../support/installed-sim.ts";
import { withExactEnv } from "../support/outside-tap.ts";

/**
 * resource-agents' own conformance tester, unmodified, against the installed
 * XenDomain (run by path, as root, so its first step is the
 * `su nobody -s /bin/sh -c "<agent> meta-data"` check) on a simulated host.
 */
const stage = await installedStage("ocf-tester");
t.teardown(stage.dispose);

const personas: PersonaId[] = ["xl-4.17", "xm"];
for (const persona of personas) {
  t.test(`ocf-tester passes with the ${persona} toolstack`, async (t) => {
    const vm = stage.domainOn(persona);
    const callsBefore = vm.calls();
    const call = withExactEnv(vm.env, "ocf-tester", ["-n", vm.name, "-o", `xmfile=${vm.config}`, "-o", `name=${vm.name}`, stage.agent]);
    const run = await runCommand(call.file, call.args, { timeoutMs: 300_000 });
    const output = run.stdout + run.stderr;
    t.equal(run.exitCode, 0, "ocf-tester exits 0", { output });
    t.match(output, /passed all tests/);
    t.notMatch(output, /meta-data.*(fail|error)|does not conform/i);
    t.ok(vm.calls() - callsBefore > 10, `the tester drove the simulated ${vm.tool} (${vm.calls() - callsBefore} calls)`);
    t.equal(vm.domain(), undefined, "and left no domain behind");
  });
}
