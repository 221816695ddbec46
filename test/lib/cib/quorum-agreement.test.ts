import t from "tap";
import { readCibText, semanticProblems } from "../../../lib/cib/check/check.ts";
import { CLAIM_OPTIONS } from "../../../lib/cib/model/claims.ts";
import { planCib } from "../../../lib/cib/plan/plan.ts";
import { renderCase } from "./support/cases.ts";
import { shippedAgents } from "./support/agents.ts";

/**
 * Quorum is decided once (lib/cib/model/quorum.ts): `cib check` refuses a
 * claim of K failed hosts exactly when `cib plan` finds a set of K failed
 * hosts whose survivors lose quorum. Every host count from 2 to 5, every
 * declarable votequorum option (and none), every claim from 1 to hosts-1,
 * under each no-quorum-policy; hosts are large enough that capacity never
 * decides. Two hosts with nothing declared are the case the two used to
 * decide differently (plan assumed two_node, check did not).
 */
const OPTIONS = [undefined, "two_node", "auto_tie_breaker", "last_man_standing"] as const;
const POLICIES = ["stop", "freeze", "demote", "ignore"] as const;

const quorumErrors = (text: string): string[] => {
  const read = readCibText(text);
  if (!read.ok) throw new Error(read.problem);
  return semanticProblems(read.cib, shippedAgents)
    .filter((p) => p.severity === "error" && p.element === `crm_config ${CLAIM_OPTIONS.failuresTolerated}`)
    .map((p) => p.message);
};

for (let hosts = 2; hosts <= 5; hosts++) {
  for (const option of OPTIONS) {
    for (const policy of POLICIES) {
      t.test(`${hosts} hosts, ${option ?? "no option declared"}, no-quorum-policy=${policy}`, async (t) => {
        for (let claim = 1; claim < hosts; claim++) {
          const values: Record<string, string> = {
            nodes: Array.from({ length: hosts }, (_, i) => `xen0${i + 1}`).join(","),
            ipmi_addresses: Array.from({ length: hosts }, (_, i) => `192.0.2.${11 + i}`).join(","),
            domains: "a:1024,b:1024",
            node_memory: "65536",
            failures_tolerated: String(claim),
            ...(option ? { quorum: option } : {}),
          };
          const rendered = renderCase({ description: "", template: "n-plus-n", values });
          if (!rendered.ok) return t.fail(rendered.problems.join("; "));
          const nvpair = `<nvpair id="test-no-quorum-policy" name="no-quorum-policy" value="${policy}"/>`;
          const text = policy === "stop" ? rendered.text : rendered.text.replace(/(<cluster_property_set\b[^>]*>)/, `$1${nvpair}`);
          const read = readCibText(text);
          if (!read.ok) return t.fail(read.problem);
          const report = planCib(read.cib, { failures: claim, searchTolerance: false });
          const planLoses = report.cases.some((c) => c.quorumLost);
          const errors = quorumErrors(text);
          t.equal(errors.length > 0, planLoses, `claim ${claim}: check ${errors.length > 0 ? "refuses" : "accepts"}, plan ${planLoses ? "loses quorum in some failure set" : "keeps quorum in every failure set"}`, { errors });
          t.equal(claim <= report.quorumLimit || policy === "ignore", !planLoses, `claim ${claim}: the plan's stated limit (${report.quorumLimit}) says the same`);
        }
      });
    }
  }
}

t.test("two hosts without a declaration: one host failing keeps quorum in both (two_node assumed)", async (t) => {
  const rendered = renderCase({ description: "", template: "n-plus-n", values: { nodes: "xen01,xen02", ipmi_addresses: "192.0.2.11,192.0.2.12", domains: "a:1024", node_memory: "65536" } });
  if (!rendered.ok) return t.fail(rendered.problems.join("; "));
  t.same(quorumErrors(rendered.text), [], "check accepts a claim of 1");
  const read = readCibText(rendered.text);
  if (!read.ok) return t.fail(read.problem);
  const report = planCib(read.cib, { failures: 1 });
  t.equal(report.quorum.option, "two_node");
  t.notOk(report.cases.some((c) => c.quorumLost), "plan recovers in every single failure");
});
