import t from "tap";
import type { AgentOutcome } from "../../support/run-agent-in-process.ts";
import { seededRandom } from "../../support/seeded-random.ts";
import { simResource, type SimResource } from "../../support/sim-resource.ts";
import { HOSTILE_VALUES, OPTIONS_XEN_HA_PASSES, XEN_DOMAIN_SHAPES, accepts, hostileCases, seededSample } from "./hostile-values.ts";

/**
 * Values nobody designed for, in every parameter XenDomain declares (the list
 * comes from the declaration, so a new parameter is attacked without editing
 * this file). For each parameter and value:
 * - a value the parameter refuses: validate-all, probe, start and stop each
 *   say 6, naming the parameter, with no toolstack call at all;
 * - a value it accepts: validate-all and a probe answer, against a running
 *   domain, with an exit reason unless the code is 0 or 7;
 * and always: the exit reason is one bounded line, stderr holds no stack
 * trace and not the raw value, no call carries an option the agent does not
 * pass itself, the host's domains are the same afterwards, and the answer
 * comes inside the operation's timeout.
 */
const SEED = Number(process.env["HOSTILE_SEED"] ?? 20261203);
const TIMEOUT_MS = 8_000;
/** Accepted values cost toolstack calls: a seeded sample of them runs (every refused one runs: they are cheap). */
const ACCEPTED_SAMPLE = 40;

const random = seededRandom(SEED);
t.comment(`seed ${SEED} (HOSTILE_SEED=${SEED} replays this run)`);

const cases = hostileCases(XEN_DOMAIN_SHAPES, HOSTILE_VALUES, random);
const refused = cases.filter((c) => !accepts(c.param, c.value));
const accepted = seededSample(
  cases.filter((c) => accepts(c.param, c.value)),
  ACCEPTED_SAMPLE,
  random,
);

const run = (r: SimResource, action: string, param: string, value: string, extra: Record<string, string> = {}) =>
  r.run(action, { ...extra, OCF_RESKEY_CRM_meta_timeout: String(TIMEOUT_MS), [`OCF_RESKEY_${param}`]: value });

/** What must hold of every answer, whatever the value; the broken promises, as sentences. */
function answerProblems(action: string, value: string, result: AgentOutcome): string[] {
  const reason = result.reasons.at(-1);
  return [
    result.code !== 0 && result.code !== 7 && !reason?.trim() ? `${action}: ${result.code} without an exit reason` : "",
    reason !== undefined && (reason.length > 512 || /[\u0000\r]/.test(reason)) ? `${action}: the reason is not one bounded line (${reason.length} chars)` : "",
    /^\s+at .+:\d+:\d+\)?$/m.test(result.stderr) ? `${action}: a stack trace on stderr` : "",
    /internal error/.test(result.stderr) ? `${action}: internal error` : "",
    (value.length > 200 || /[\u0000-\u001f]/.test(value)) && result.stderr.includes(value) ? `${action}: the raw value is echoed` : "",
    result.ms >= TIMEOUT_MS ? `${action}: answered after ${result.ms} ms` : "",
  ].filter((p) => p !== "");
}

const domainsOf = (r: SimResource) => r.domains().map((d) => `${d.name}:${d.domid}`).sort();

t.test(`xl: ${refused.length} refused values, each refused by every action before any call`, async (t) => {
  const r = simResource({ name: "vm1" });
  t.teardown(r.dispose);
  for (const { param, value, label } of refused) {
    const problems: string[] = [];
    for (const action of ["validate-all", "monitor", "start", "stop"]) {
      const result = await run(r, action, param, value);
      if (result.code !== 6) problems.push(`${action}: ${result.code}, not 6`);
      if (!(result.reasons.at(-1) ?? "").includes(`${param}: `)) problems.push(`${action}: the reason does not name ${param}: ${result.reasons.at(-1)?.slice(0, 100)}`);
      problems.push(...answerProblems(action, value, result));
    }
    t.same(problems, [], `${param}=${label}: 6, naming it, from every action`);
  }
  t.equal(r.calls().length, 0, "no toolstack call at all");
  t.same(r.domains(), [], "nothing created");
});

t.test(`xl: ${accepted.length} accepted values (seeded sample), against a running domain`, async (t) => {
  const r = simResource({ name: "vm1" });
  t.teardown(r.dispose);
  t.equal((await r.run("start")).code, 0, "vm1 runs");
  const before = domainsOf(r);
  for (const { param, value, label } of accepted) {
    const from = r.calls().length;
    const problems: string[] = [];
    const codes: number[] = [];
    for (const [action, extra] of [["validate-all", {}], ["monitor", { OCF_RESKEY_CRM_meta_interval: "0" }]] as const) {
      const result = await run(r, action, param, value, extra);
      codes.push(result.code);
      problems.push(...answerProblems(action, value, result));
    }
    const smuggled = r
      .calls()
      .slice(from)
      .flatMap((call) => call.argv.filter((arg) => arg.startsWith("-") && !OPTIONS_XEN_HA_PASSES.has(arg)).map((arg) => `${call.tool} got ${JSON.stringify(arg.slice(0, 40))}`));
    problems.push(...smuggled);
    if (domainsOf(r).join() !== before.join()) problems.push(`domains changed: ${domainsOf(r).join(" ")}`);
    t.same(problems, [], `${param}=${label}: validate-all ${codes[0]}, probe ${codes[1]}`);
  }
});
