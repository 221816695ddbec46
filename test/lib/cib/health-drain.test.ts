import t from "tap";
import { readCibText } from "../../../lib/cib/check/check.ts";
import { simulate, type SimEvent } from "../../../lib/cib/plan/simulate.ts";
import { runningOn, type GraphAction, type Transition } from "../../../lib/cib/plan/transition.ts";
import { renderTemplate } from "../../../lib/cib/author/render.ts";
import { templates } from "../../../cib-templates/index.ts";
import { parseEvent } from "./support/steps.ts";
import { holds, describeActions } from "./support/facts.ts";
import { SKIP_PACEMAKER, toolContext } from "./support/tools.ts";

/**
 * A host turning red drains by live migration (doc/xen-host.md §7), with
 * crm_simulate as the oracle: a capacity template rendered with
 * health_agents=xen (XenHost clone, node-health-strategy=migrate-on-red,
 * domains with allow-migrate on shared storage), brought up, then
 * #health-xen set in the status section step by step. Yellow moves nothing;
 * red moves every domain of the host by migrate_to on it and migrate_from on
 * another, never a start; green takes nothing back while the stickiness
 * exceeds the home preference, and migrates back live when the admin chose a
 * lower one.
 */
const addresses = (n: number) => Array.from({ length: n }, (_, i) => `192.0.2.${i + 11}`).join(",");
const DOMAINS = "web:2048,db:4096,app:1024,mail:1024,log:512,ci:1024";

interface Row {
  readonly template: string;
  readonly values: Readonly<Record<string, string>>;
  /** Whether green brings the drained domains home (stickiness below the home preference). */
  readonly back: boolean;
}

const rows: readonly Row[] = [
  { template: "n-plus-1", values: { ipmi_addresses: addresses(4) }, back: false },
  { template: "n-plus-m", values: { ipmi_addresses: addresses(6) }, back: false },
  { template: "n-plus-n", values: { ipmi_addresses: addresses(4) }, back: false },
  { template: "n-plus-n", values: { ipmi_addresses: addresses(4), stickiness: "50" }, back: true },
  { template: "n-plus-1", values: { ipmi_addresses: addresses(2), storage: "drbd-dual-primary", nodes: "xen01", spares: "xen02" }, back: false },
];

const VICTIM = "xen01";
const isDomain = (id: string | undefined): boolean => (id ?? "").startsWith("vm-");
const domainOps = (tr: Transition, id: string): GraphAction[] => tr.actions.filter((a) => a.kind === "rsc" && a.resource === id && a.operation !== "monitor");
const domainsOn = (tr: Transition, node: string): string[] =>
  tr.before.resources.filter((r) => isDomain(r.id) && r.nodes.includes(node)).map((r) => r.id);

for (const row of rows) {
  const label = `${row.template} ${Object.entries(row.values).filter(([k]) => k !== "ipmi_addresses").map(([k, v]) => `${k}=${v}`).join(" ")}`.trim();
  t.test(label, { skip: SKIP_PACEMAKER }, async (t) => {
    const template = templates.find((tpl) => tpl.name === row.template);
    if (!template) return t.fail(`no template ${row.template}`);
    const domains = row.values["storage"] === "drbd-dual-primary" ? "web:2048,db:4096" : DOMAINS;
    const rendered = renderTemplate(template, { domains, health_agents: "xen", ...row.values }, {});
    if (!rendered.ok) return t.fail(rendered.problems.join("; "));
    const read = readCibText(rendered.text);
    if (!read.ok) return t.fail(read.problem);
    const event = (colour: string): SimEvent[] => {
      const parsed = parseEvent(read.cib, `attr ${VICTIM} #health-xen ${colour}`);
      if (!parsed.ok) throw new Error(parsed.problem);
      return [...parsed.events];
    };
    const { context, cleanup } = toolContext();
    t.teardown(cleanup);
    const result = await simulate(context, rendered.text, [event("yellow"), event("red"), event("green")]);
    if (!result.ok) return t.fail(`crm_simulate: ${result.message}`);
    const [yellow, red, green] = result.steps.map((s) => s.transition);
    if (!yellow || !red || !green) return t.fail("three transitions");

    t.same(yellow.actions.filter((a) => a.kind === "rsc" && isDomain(a.resource) && a.operation !== "monitor").map((a) => `${a.operation} ${a.resource}`), [], "yellow: no domain moves (migrate-on-red)");

    const victims = domainsOn(red, VICTIM);
    t.ok(victims.length > 0, `${VICTIM} runs domains before it turns red: ${victims.join(", ")}`);
    const actions = { actions: describeActions(red) };
    for (const id of victims) {
      const target = red.after ? runningOn(red.after, id) : [];
      t.equal(target.length, 1, `${id}: runs on one host after the drain`, actions);
      const [to = ""] = target;
      t.not(to, VICTIM, `${id}: left ${VICTIM} (now on ${to})`);
      t.ok(holds(red, `migrate_to ${id} on ${VICTIM}`), `${id}: migrate_to on ${VICTIM}`, actions);
      t.ok(holds(red, `migrate_from ${id} on ${to} after migrate_to ${id} on ${VICTIM}`), `${id}: migrate_from on ${to}, after the migrate_to`, actions);
      t.notOk(holds(red, `start ${id} on *`), `${id}: never started (no restart)`, actions);
      // the source's stop after a migration only cleans up: it must wait for the migrate_from
      t.ok(holds(red, `stop ${id} on ${VICTIM} after migrate_from ${id} on ${to}`), `${id}: the stop on ${VICTIM} comes after migrate_from`, actions);
    }
    const bystanders = read.cib.primitives.map((p) => p.id).filter((id) => isDomain(id) && !victims.includes(id));
    for (const id of bystanders) t.same(domainOps(red, id).map((a) => `${a.operation} ${a.node}`), [], `${id} (not on ${VICTIM}): untouched`);
    t.notOk(holds(red, `stop health-xen on ${VICTIM}`), "XenHost keeps running on the red host (allow-unhealthy-nodes)");
    t.equal(red.after?.nodes.find((n) => n.name === VICTIM)?.health, "red", `crm_simulate shows ${VICTIM}'s health as red`);

    const back = victims.filter((id) => holds(green, `migrate_from ${id} on ${VICTIM}`));
    if (row.back) {
      t.same(back, victims, "green, stickiness below the home preference: every domain migrates back home");
      for (const id of victims) t.notOk(holds(green, `start ${id} on *`), `${id}: back live, not restarted`);
    } else {
      t.same(green.actions.filter((a) => a.kind === "rsc" && isDomain(a.resource) && a.operation !== "monitor").map((a) => `${a.operation} ${a.resource} on ${a.node}`), [], "green: nothing comes back (stickiness)");
    }
  });
}
