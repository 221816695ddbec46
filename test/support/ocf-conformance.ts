import type { Test } from "tap";
import type { AgentDocs } from "../../lib/ocf/define-agent.ts";
import { matchGolden } from "./golden.ts";
import type { AgentOutcome, Env } from "./run-agent-in-process.ts";

/** How the conformance table drives one agent. */
export interface ConformanceSubject {
  /** Runs one action in-process with exactly `env` as the agent's environment. */
  readonly run: (action: string, env: Env) => Promise<AgentOutcome>;
  /** A working host with a valid resource that is stopped: its environment, and how to tear it down. */
  readonly stoppedResource: () => { readonly env: Env; readonly dispose: () => void };
}

const probe = { OCF_RESKEY_CRM_meta_interval: "0" };

/**
 * The OCF rules every xen-ha agent must keep, whatever it manages (OCF RA
 * API 1.0/1.1, ocf-tester, the resource-agents developer guide). Meta-data
 * is compared with test/golden/metadata/<Agent>-1.0.xml and -1.1.xml.
 */
export function checkConformance(t: Test, agent: AgentDocs, subject: ConformanceSubject): void {
  t.test("meta-data exits 0 and matches its golden files (OCF 1.0 and 1.1)", async (t) => {
    for (const [minor, file] of [["0", `metadata/${agent.name}-1.0.xml`], ["1", `metadata/${agent.name}-1.1.xml`]] as const) {
      const result = await subject.run("meta-data", { OCF_RA_VERSION_MINOR: minor });
      t.equal(result.code, 0, `meta-data with OCF_RA_VERSION_MINOR=${minor}`);
      matchGolden(t, file, result.stdout);
    }
  });

  t.test("an unknown action is 3 (unimplemented)", async (t) => {
    const { env, dispose } = subject.stoppedResource();
    t.teardown(dispose);
    t.equal((await subject.run("frobnicate", env)).code, 3);
  });

  const required = Object.entries(agent.params).filter(([, p]) => p.required).map(([name]) => name);
  for (const name of required) {
    t.test(`missing required parameter ${name} is 6 with a reason naming it`, async (t) => {
      const { env, dispose } = subject.stoppedResource();
      t.teardown(dispose);
      for (const action of ["start", "monitor", "validate-all"]) {
        const result = await subject.run(action, { ...env, [`OCF_RESKEY_${name}`]: undefined });
        t.equal(result.code, 6, action);
        t.match(result.reasons.at(-1) ?? "", new RegExp(`\\b${name}\\b`), `${action} names ${name}`);
      }
    });
  }

  t.test("probe of a stopped resource is 7; start and stop are idempotent", async (t) => {
    const { env, dispose } = subject.stoppedResource();
    t.teardown(dispose);
    const steps: readonly [string, Env, number][] = [
      ["monitor", probe, 7],
      ["start", {}, 0],
      ["start", {}, 0],
      ["monitor", probe, 0],
      ["stop", {}, 0],
      ["stop", {}, 0],
      ["monitor", probe, 7],
    ];
    for (const [action, extra, code] of steps) {
      const result = await subject.run(action, { ...env, ...extra });
      t.equal(result.code, code, `${action}${extra === probe ? " (probe)" : ""} → ${code}`, { stderr: result.stderr });
    }
  });
}
