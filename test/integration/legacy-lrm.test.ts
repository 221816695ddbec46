import t from "tap";
import { runCommand } from "../../lib/exec/command.ts";
import type { PersonaId } from "../../lib/sim/index.ts";
import { installedStage } from "../support/installed-sim.ts";
import { legacyExitCode, legacyLrmdEnv } from "../support/legacy-lrmd.ts";
import { withExactEnv } from "../support/outside-tap.ts";

/**
 * The installed agent under the legacy Heartbeat LRM's environment (OCF 1.0,
 * no CRM_meta variables, parameters and OCF_CHECK_LEVEL prefixed by lrmd):
 * the same lifecycle as under Pacemaker, and no code lrmd would have to clamp.
 */
const stage = await installedStage("legacy-lrm");
t.teardown(stage.dispose);

const personas: PersonaId[] = ["xl-4.17", "xm"];
for (const persona of personas) {
  t.test(`legacy LRM profile, ${persona}: start, monitor, stop, monitor`, async (t) => {
    const vm = stage.domainOn(persona);
    const params = { xmfile: vm.config, name: vm.name };
    const act = async (action: string, checkLevel?: number) => {
      const env = { ...legacyLrmdEnv(`${vm.name}-rsc`, params, checkLevel), ...vm.env };
      const call = withExactEnv(env, stage.agent, [action]);
      const run = await runCommand(call.file, call.args, { timeoutMs: 120_000 });
      const rc = run.exitCode ?? -1;
      t.equal(legacyExitCode(rc), rc, `${action}: ${rc} needs no clamping by lrmd`);
      return { rc, run };
    };
    const expect = async (action: string, rc: number, checkLevel?: number) => {
      const got = await act(action, checkLevel);
      t.equal(got.rc, rc, `${action}${checkLevel === undefined ? "" : ` (OCF_CHECK_LEVEL ${checkLevel})`} -> ${rc}`, {
        stderr: got.run.stderr,
      });
    };
    const metadata = await act("meta-data");
    t.equal(metadata.rc, 0, "meta-data -> 0");
    t.match(metadata.run.stdout, /<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">[\s\S]*<version>1.0<\/version>/, "OCF 1.0 meta-data");
    t.notMatch(metadata.run.stdout, /reload-agent/, "without 1.1-only actions");
    await expect("validate-all", 0);
    await expect("monitor", 7);
    await expect("status", 7);
    await expect("start", 0);
    t.match(vm.domain()?.state ?? "absent", /^[rb-]{2}----$/, "the domain runs");
    await expect("monitor", 0, 0);
    await expect("monitor", 0, 10);
    await expect("status", 0);

    // A paused domain is "degraded" under Pacemaker (190); lrmd would turn 190 into 1
    // itself, but the agent must already say 1 to a caller that predates OCF 1.1.
    t.equal((await vm.toolstack("pause", vm.name)).exitCode, 0, `${vm.tool} pause`);
    await expect("monitor", 1);
    t.equal((await vm.toolstack("unpause", vm.name)).exitCode, 0, `${vm.tool} unpause`);
    await expect("monitor", 0);

    await expect("stop", 0);
    t.equal(vm.domain(), undefined, "the domain is gone");
    await expect("monitor", 7);
    await expect("stop", 0);
  });
}
