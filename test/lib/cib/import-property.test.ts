import t from "tap";
import { crmVerify, readCibText, semanticProblems } from "../../../lib/cib/check/check.ts";
import { importHeartbeat } from "../../../lib/cib/import/import-heartbeat.ts";
import { formatProblem } from "../../../lib/cib/model/problem.ts";
import { simulate } from "../../../lib/cib/plan/simulate.ts";
import { seededRandom } from "../../support/seeded-random.ts";
import { shippedAgents } from "./support/agents.ts";
import { describeActions, holds } from "./support/facts.ts";
import { SKIP_PACEMAKER, toolContext } from "./support/tools.ts";

/**
 * Property: for random Heartbeat 2.0/2.1 CIBs (prereq on any op or none,
 * option names in either spelling or forbidden by today's schema, from/to
 * constraints of both types, two or three Xen domains and a fence device),
 * `xen-ha cib import-heartbeat` either writes a CIB that passes crm_verify
 * and `cib check`, or refuses with a reason - and every CIB it writes keeps
 * fence-first: after any single host failure, crm_simulate fences the host
 * before it starts any of that host's domains elsewhere.
 * The seed is printed; IMPORT_SEED replays a run, IMPORT_CIBS makes it longer.
 */
const SEED = Number(process.env["IMPORT_SEED"] ?? 20261203);
const CIBS = Number(process.env["IMPORT_CIBS"] ?? 15);

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const spell = (random: Random, name: string): string => (random() < 0.5 ? name : name.replace(/_/g, "-"));

function options(random: Random): string {
  const pairs: [string, string][] = [];
  // stonith_enabled is usually set (Heartbeat's default was false: the import must then refuse)
  if (random() < 0.9) pairs.push([spell(random, "stonith_enabled"), random() < 0.95 ? "true" : "false"]);
  const maybe = (name: string, values: readonly string[]) => random() < 0.6 && pairs.push([spell(random, name), pick(random, values)]);
  maybe("symmetric_cluster", ["true"]);
  maybe("no_quorum_policy", ["stop", "freeze"]);
  maybe("default_resource_stickiness", ["0", "100", "INFINITY"]);
  maybe("default_resource_failure_stickiness", ["-INFINITY", "-50"]);
  maybe("is_managed_default", ["true"]);
  maybe("default_action_timeout", ["20s", "30s", "120s"]);
  maybe("transition_idle_timeout", ["60s"]);
  maybe("stonith_action", ["reboot", "off"]);
  maybe("short_resource_names", ["true"]);
  const nvpairs = pairs.map(([name, value], i) => `<nvpair id="o${i}" name="${name}" value="${value}"/>`).join("");
  return `<crm_config><cluster_property_set id="cib-bootstrap-options"><attributes>${nvpairs}</attributes></cluster_property_set></crm_config>`;
}

/** prereq on an op: any kind; on a start op mostly none or fencing (the others are refused). */
const prereq = (random: Random, start = false): string => {
  const value = start && random() < 0.85 ? pick(random, ["", "fencing"]) : pick(random, ["", "fencing", "nothing", "quorum"]);
  return value === "" ? "" : ` prereq="${value}"`;
};

function domain(random: Random, id: string): string {
  const timeout = (least: number) => `${random() < 0.95 ? least + 10 * Math.floor(random() * 6) : least / 2}s`;
  const ops = [
    random() < 0.85 ? `<op id="${id}-start" name="start" timeout="${timeout(60)}"${prereq(random, true)}/>` : "",
    random() < 0.85 ? `<op id="${id}-stop" name="stop" timeout="${timeout(40)}"${prereq(random)}/>` : "",
    `<op id="${id}-monitor" name="monitor" interval="10s" timeout="30s"${prereq(random)}/>`,
  ].sort(() => random() - 0.5);
  const stickiness = random() < 0.4 ? ` ${spell(random, "resource_stickiness")}="100"` : "";
  return (
    `<primitive id="${id}" class="ocf" type="Xen" provider="heartbeat"${stickiness}>` +
    `<operations>${ops.join("")}</operations>` +
    `<instance_attributes id="${id}-ia"><attributes><nvpair id="${id}-xmfile" name="xmfile" value="/etc/xen/${id}.cfg"/></attributes></instance_attributes>` +
    "</primitive>"
  );
}

function fencing(random: Random, nodes: readonly string[]): { resources: string; constraints: string } {
  if (random() < 0.5) {
    const hostlist = `<nvpair id="ssh-hostlist" name="hostlist" value="${nodes.join(" ")}"/>`;
    const clone =
      `<clone id="fencing"><instance_attributes id="fencing-ia"><attributes><nvpair id="fencing-clone_max" name="clone_max" value="${nodes.length}"/></attributes></instance_attributes>` +
      `<primitive id="ssh-fence" class="stonith" type="external/ssh" provider="heartbeat"><operations><op id="ssh-fence-start" name="start" timeout="20s"${prereq(random, true)}/></operations>` +
      `<instance_attributes id="ssh-ia"><attributes>${hostlist}</attributes></instance_attributes></primitive></clone>`;
    return { resources: clone, constraints: "" };
  }
  const devices = nodes.map(
    (node, i) =>
      `<primitive id="fence-${node}" class="stonith" type="external/ipmi" provider="heartbeat"><operations><op id="fence-${node}-monitor" name="monitor" interval="60s" timeout="60s"${prereq(random)}/></operations>` +
      `<instance_attributes id="fence-${node}-ia"><attributes><nvpair id="fence-${node}-host" name="hostname" value="${node}"/><nvpair id="fence-${node}-ip" name="ipaddr" value="192.0.2.${11 + i}"/></attributes></instance_attributes></primitive>`,
  );
  const away = nodes.map(
    (node) =>
      `<rsc_location id="fence-${node}-away" rsc="fence-${node}"><rule id="fence-${node}-away-rule" score="-INFINITY"><expression id="fence-${node}-away-expr" attribute="#uname" operation="eq" value="${node}"/></rule></rsc_location>`,
  );
  return { resources: devices.join(""), constraints: away.join("") };
}

function constraints(random: Random, domains: readonly string[], nodes: readonly string[]): string {
  const out: string[] = [];
  for (const [i, id] of domains.entries()) {
    if (random() < 0.6) {
      out.push(`<rsc_location id="${id}-home" rsc="${id}"><rule id="${id}-home-rule" score="${pick(random, ["50", "100", "infinity"])}"><expression id="${id}-home-expr" attribute="#uname" operation="eq" value="${pick(random, nodes)}"/></rule></rsc_location>`);
    }
    const other = domains[i + 1];
    if (other !== undefined && random() < 0.5) {
      out.push(`<rsc_order id="${id}-${other}-order" from="${id}" to="${other}" type="${pick(random, ["before", "after"])}"${random() < 0.5 ? ' score="0"' : ""}/>`);
    }
    if (other !== undefined && random() < 0.4) out.push(`<rsc_colocation id="${id}-${other}-apart" from="${id}" to="${other}" score="-1000"/>`);
  }
  return out.join("");
}

function heartbeatCib(random: Random): { text: string; nodes: string[]; domains: string[] } {
  const nodes = Array.from({ length: 2 + Math.floor(random() * 2) }, (_, i) => `xen0${i + 1}`);
  const domains = Array.from({ length: 2 + Math.floor(random() * 2) }, (_, i) => `vm_${String.fromCharCode(97 + i)}`);
  const fence = fencing(random, nodes);
  const text =
    `<cib admin_epoch="0" epoch="1" num_updates="0" have_quorum="true"><configuration>${options(random)}` +
    `<nodes>${nodes.map((node, i) => `<node id="n${i}" uname="${node}" type="normal"/>`).join("")}</nodes>` +
    `<resources>${fence.resources}${domains.map((id) => domain(random, id)).join("")}</resources>` +
    `<constraints>${fence.constraints}${constraints(random, domains, nodes)}</constraints></configuration></cib>`;
  return { text, nodes, domains };
}

t.comment(`seed ${SEED}, ${CIBS} CIBs (IMPORT_SEED=${SEED} replays this run, IMPORT_CIBS=N makes it longer)`);
const random = seededRandom(SEED);
const tally = { written: 0, refusedByImport: 0, refusedByCheck: 0, failuresSimulated: 0 };

for (let index = 0; index < CIBS; index++) {
  const cib = heartbeatCib(random);
  t.test(`CIB ${index}`, { skip: SKIP_PACEMAKER }, async (t) => {
    const result = importHeartbeat(cib.text, "pacemaker-3.0", shippedAgents);
    if (!result.ok) return t.fail(result.problem, { input: cib.text });
    const startPrereqs = [...cib.text.matchAll(/<op id="(vm_\w+)-start" name="start" timeout="\w+" prereq="(\w+)"/g)];
    const weakened = startPrereqs.filter(([, , value]) => value !== "fencing").map(([, id]) => id);
    for (const id of weakened) t.ok(result.problems.some((p) => p.startsWith(`${id ?? ""}:`)), `${id ?? ""}'s start prereq that skips fencing is refused`);
    if (result.problems.length > 0) {
      tally.refusedByImport++;
      return t.ok(result.problems.every((problem) => problem.length > 20), "each refusal says what and why");
    }
    const read = readCibText(result.text);
    if (!read.ok) return t.fail(`the import does not read back: ${read.problem}`, { output: result.text });
    const { context, cleanup } = toolContext();
    t.teardown(cleanup);
    const errors = semanticProblems(read.cib, shippedAgents).filter((p) => p.severity === "error");
    const verify = await crmVerify(context, result.text);
    t.ok(verify.ran, "crm_verify ran");
    const verified = verify.ran ? verify.problems : [];
    t.same(verified.filter((p) => /relax-ng|validity|schema/i.test(p.message)).map(formatProblem), [], "every import is valid against its schema", { output: result.text });
    // a CIB our checks refuse may draw crm_verify's warnings too (no fencing: 'Blind faith'); one our checks pass may not
    if (errors.length === 0) t.same(verified.map(formatProblem), [], "crm_verify accepts every import cib check passes", { output: result.text });
    if (errors.length > 0) {
      // the command prints these and writes nothing: a refusal with its reasons
      tally.refusedByCheck++;
      return t.ok(errors.every((p) => p.message.length > 0), `refused by cib check: ${errors.map((p) => p.message).join("; ")}`);
    }
    tally.written++;
    for (const node of cib.nodes) {
      const sim = await simulate(context, result.text, [[{ kind: "fail", node }]]);
      if (!sim.ok) return t.fail(sim.message);
      const step = sim.steps[0];
      if (!step) return t.fail("no transition");
      tally.failuresSimulated++;
      const transition = step.transition;
      const lost = cib.domains.filter((id) => transition.before.resources.some((r) => r.id === id && r.nodes.includes(node)));
      if (lost.length > 0) t.ok(holds(transition, `fence ${node}`), `${node} fails: it is fenced`, { actions: describeActions(transition) });
      for (const id of lost) {
        if (!holds(transition, `start ${id} on *`)) continue;
        t.ok(holds(transition, `start ${id} on * after fence ${node}`), `${node} fails: ${id} starts elsewhere only after ${node} is fenced`, {
          actions: describeActions(transition),
          output: result.text,
        });
      }
    }
  });
}

t.test("the run covered both outcomes", { skip: SKIP_PACEMAKER }, async (t) => {
  t.comment(`${tally.written} imports written and simulated (${tally.failuresSimulated} host failures), ${tally.refusedByImport} refused by the import, ${tally.refusedByCheck} by cib check`);
  t.ok(tally.written > 0 && tally.failuresSimulated > 0, "some imports were written and their host failures simulated");
  t.ok(tally.refusedByImport + tally.refusedByCheck > 0, "some imports were refused");
});
