import t from "tap";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../../lib/exec/command.ts";
import { singlePrimitiveCib } from "../../lib/demo/cib.ts";
import { crmResource, forceAction, type CrmTarget } from "../../lib/demo/crm-resource.ts";
import { privateOcfRootProblem } from "../../lib/install/private-ocf-root.ts";
import type { PersonaId } from "../../lib/sim/index.ts";
import { installedStage } from "../support/installed-sim.ts";
import { exactEnvRunner } from "../support/outside-tap.ts";

/**
 * Pacemaker's own crm_resource runs the installed agent: --validate, and
 * --force-start/--force-check/--force-stop against a CIB file holding the
 * resource (no cluster). crm_resource finds agents only under its compiled-in
 * OCF root, so it runs in a private mount namespace where the test's root is
 * mounted there (lib/install/private-ocf-root.ts).
 */
const problem = await privateOcfRootProblem(runCommand);
if (problem) {
  t.plan(0, `crm_resource cannot see a temporary OCF root here: ${problem}`);
} else {
  const stage = await installedStage("crm-resource");
  t.teardown(stage.dispose);
  const ocfRoot = stage.installed.dirs.ocfRoot;

  t.test("crm_resource --validate: 0 for a valid configuration, 6 with the reason for a bad value", async (t) => {
    const vm = stage.domainOn("xl-4.17", "vm-validate");
    const target: CrmTarget = { cibFile: "/dev/null", ocfRoot, env: vm.env, run: exactEnvRunner };
    const validate = (...options: string[]) =>
      crmResource(target, ["--validate", "--class", "ocf", "--provider", "xen-ha", "--agent", "XenDomain", ...options.flatMap((o) => ["--option", o])]);
    const good = await validate(`xmfile=${vm.config}`, `name=${vm.name}`);
    t.equal(good.rc, 0, "valid", { output: good.result.stdout });
    const cases: [string, string[], RegExp][] = [
      ["a non-numeric shutdown_timeout", [`xmfile=${vm.config}`, "shutdown_timeout=abc"], /shutdown_timeout: 'abc' is not a whole number/],
      ["a relative xmfile", ["xmfile=vm.cfg"], /xmfile: 'vm.cfg' is not an absolute path/],
      ["a bad toolstack", [`xmfile=${vm.config}`, "toolstack=libvirt"], /toolstack: 'libvirt' is not one of auto, xl, xm/],
      ["no xmfile at all", [], /xmfile: required parameter is not set/],
    ];
    for (const [title, options, reason] of cases) {
      const run = await validate(...options);
      t.equal(run.rc, 6, title);
      t.match(run.reason ?? "", reason, `${title}: the reason reaches Pacemaker`);
    }
  });

  const personas: PersonaId[] = ["xl-4.17", "xm"];
  for (const persona of personas) {
    t.test(`crm_resource drives a ${persona} domain through its life`, async (t) => {
      const vm = stage.domainOn(persona);
      const cibFile = join(stage.installed.base, `cib-${persona}.xml`);
      writeFileSync(
        cibFile,
        singlePrimitiveCib({
          id: `${vm.name}-rsc`,
          provider: "xen-ha",
          type: "XenDomain",
          params: { xmfile: vm.config, name: vm.name },
          timeouts: { start: 60, stop: 40, monitor: 20 },
        }),
      );
      const target: CrmTarget = { cibFile, ocfRoot, env: vm.env, run: exactEnvRunner };
      const step = async (action: "force-start" | "force-check" | "force-stop", rc: number, state: RegExp | undefined) => {
        const outcome = await forceAction(target, `${vm.name}-rsc`, action);
        t.equal(outcome.rc, rc, `${action} returns ${rc}`, { output: outcome.result.stdout + outcome.result.stderr });
        const domain = vm.domain();
        if (state) t.match(domain?.state ?? "absent", state, `after ${action}: domain ${domain?.state ?? "absent"}`);
        else t.equal(domain, undefined, `after ${action}: no domain`);
      };
      await step("force-check", 7, undefined);
      await step("force-start", 0, /^[rb-]{2}----$/);
      await step("force-check", 0, /^[rb-]{2}----$/);
      await step("force-start", 0, /^[rb-]{2}----$/); // idempotent
      await step("force-stop", 0, undefined);
      await step("force-check", 7, undefined);
      await step("force-stop", 0, undefined); // idempotent
    });
  }
}
