import t from "tap";
import { ocfAgents } from "../../agents/index.ts";
import { checkConformance, type ConformanceSubject } from "../support/ocf-conformance.ts";
import { runXenDomain } from "../support/run-agent-in-process.ts";
import { simResource } from "../support/sim-resource.ts";
import { runXenHost, xenHostStage } from "../support/xen-host-stage.ts";

/** Every OCF agent in the registry, with the host it needs; an agent without an entry fails here. */
const subjects: Readonly<Record<string, ConformanceSubject>> = {
  XenDomain: {
    run: (action, env) => runXenDomain(action, env),
    stoppedResource: () => {
      const r = simResource();
      return { env: r.env, dispose: r.dispose };
    },
  },
  XenHost: {
    run: (action, env) => runXenHost(action, env),
    stoppedResource: () => {
      const stage = xenHostStage();
      return { env: stage.env, dispose: stage.dispose };
    },
  },
};

for (const agent of ocfAgents) {
  t.test(`${agent.name} keeps the OCF rules`, async (t) => {
    const subject = subjects[agent.name];
    if (!subject) {
      t.fail(`no conformance subject for ${agent.name}: add one to test/agents/conformance.test.ts`);
      return;
    }
    checkConformance(t, agent, subject);
  });
}
