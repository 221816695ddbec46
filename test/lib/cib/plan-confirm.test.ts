import t from "tap";
import { readCibText } from "../../../lib/cib/check/check.ts";
import { borderlineSets, confirmPlan, formatConfirmation } from "../../../lib/cib/plan/confirm.ts";
import { planCib } from "../../../lib/cib/plan/plan.ts";
import { simulate } from "../../../lib/cib/plan/simulate.ts";
import { runningOn } from "../../../lib/cib/plan/transition.ts";
import { renderCase } from "./support/cases.ts";
import { SKIP_PACEMAKER, toolContext } from "./support/tools.ts";

/**
 * `cib plan --confirm` (lib/cib/plan/confirm.ts), crm_simulate as the oracle:
 * which failure sets it replays (those the plan marks "(?)"), that each
 * result it shows is what a separate `simulate` run of the same set shows,
 * and which disagreements count as safety points. Each row is a CIB and what
 * the confirmation must find.
 */
const HOSTS4 = { nodes: "xen01,xen02,xen03,xen04", ipmi_addresses: "192.0.2.11,192.0.2.12,192.0.2.13,192.0.2.14" };
/** Balanced placement, memory and CPUs: with xen01 down, xen02..xen04 tie on the capacity vote for vm-d0 (one has more memory, another more CPUs). */
const TIED = { ...HOSTS4, domains: "d0:2048:2,d1:2048:1,d2:4096:1,d3:1024:4,d4:3072:3", node_memory: "16384", node_cpus: "8", placement_strategy: "balanced" };
const policy = (value: string) => (text: string) => text.replace(/(<cluster_property_set\b[^>]*>)/, `$1<nvpair id="test-no-quorum-policy" name="no-quorum-policy" value="${value}"/>`);
const meta = (id: string, name: string, value: string) => (text: string) =>
  text.replace(`<meta_attributes id="${id}-meta_attributes">`, `<meta_attributes id="${id}-meta_attributes"><nvpair id="${id}-test-${name}" name="${name}" value="${value}"/>`);
/** A location rule (the planner does not model rules): vm-d0 may run on xen01 only. */
const onlyOnXen01 = (text: string) =>
  text.replace("</constraints>", '<rsc_location id="d0-only-xen01" rsc="vm-d0"><rule id="d0-only-xen01-rule" score="-INFINITY"><expression id="d0-only-xen01-expr" attribute="#uname" operation="ne" value="xen01"/></rule></rsc_location></constraints>');

interface Row {
  readonly name: string;
  readonly values: Record<string, string>;
  readonly edit?: (text: string) => string;
  readonly failures: number;
  /** The sets replayed; default: the plan's borderline ones, which must be these. */
  readonly sets?: readonly (readonly string[])[];
  readonly borderline: readonly string[];
  readonly quorumLost?: boolean;
  /** The plan places every domain where crm_simulate does. */
  readonly exact?: boolean;
  /** Safety points crm_simulate must show (each a pattern), or none. */
  readonly unsafe: readonly RegExp[];
}

const rows: readonly Row[] = [
  { name: "tied capacities: the one (?) set is replayed; hosts may differ, nothing unsafe", values: TIED, failures: 1, borderline: ["xen01"], unsafe: [] },
  {
    name: "quorum lost under freeze: every 2-host set is borderline; crm_simulate keeps what the plan counts as stopped, never the reverse",
    values: { ...TIED, domains: "a:2048:1,b:2048:1,c:2048:1,d:2048:1" },
    edit: policy("freeze"),
    failures: 2,
    borderline: ["xen01,xen02", "xen01,xen03", "xen01,xen04", "xen02,xen03", "xen02,xen04", "xen03,xen04"],
    quorumLost: true,
    unsafe: [],
  },
  { name: "quorum lost under stop: exact, nothing to replay", values: { ...TIED, domains: "a:2048:1,b:2048:1" }, failures: 2, borderline: [], unsafe: [] },
  { name: "quorum lost under stop, replayed anyway: crm_simulate stops every domain, as the plan says", values: { ...TIED, domains: "a:2048:1,b:2048:1,c:2048:1,d:2048:1" }, failures: 2, sets: [["xen01", "xen02"], ["xen02", "xen04"]], borderline: [], quorumLost: true, exact: true, unsafe: [] },
  { name: "quorum lost under demote (stop for domains), replayed: exact too", values: { ...TIED, domains: "a:2048:1,b:2048:1,c:2048:1,d:2048:1" }, edit: policy("demote"), failures: 2, sets: [["xen01", "xen03"]], borderline: [], quorumLost: true, exact: true, unsafe: [] },
  { name: "quorum kept by last_man_standing under stop, replayed: recovered where the plan says", values: { ...TIED, domains: "a:2048:1,b:2048:1,c:2048:1,d:2048:1", quorum: "last_man_standing" }, failures: 2, sets: [["xen01", "xen02"]], borderline: [], quorumLost: false, exact: true, unsafe: [] },
  {
    name: "a start before fencing (requires=nothing) is a safety point",
    values: TIED,
    edit: meta("vm-d0", "requires", "nothing"),
    failures: 1,
    borderline: ["xen01"],
    unsafe: [/^(start|migrate_from) vm-d0 on xen0[234] does not wait for fencing xen01$/],
  },
  {
    name: "a domain the plan places and crm_simulate cannot (a location rule the plan does not model) is a safety point",
    values: TIED,
    edit: onlyOnXen01,
    failures: 1,
    borderline: ["xen01"],
    unsafe: [/^vm-d0: the plan runs it on xen0[234], crm_simulate leaves it stopped$/],
  },
];

for (const row of rows) {
  t.test(row.name, { skip: SKIP_PACEMAKER }, async (t) => {
    const rendered = renderCase({ description: "", template: "n-plus-n", values: row.values });
    if (!rendered.ok) return t.fail(rendered.problems.join("; "));
    const text = row.edit ? row.edit(rendered.text) : rendered.text;
    if (row.edit) t.not(text, rendered.text, "the edit applies");
    const read = readCibText(text);
    if (!read.ok) return t.fail(read.problem);
    const report = planCib(read.cib, { failures: row.failures });
    t.same(borderlineSets(report).map((set) => set.join(",")), row.borderline, "the sets the plan marks (?)");

    const { context, cleanup } = toolContext();
    t.teardown(cleanup);
    const result = await confirmPlan(context, text, report, row.sets);
    if (!result.ok) return t.fail(result.message);
    t.same(result.sets.map((set) => set.failed.join(",")), (row.sets ?? borderlineSets(report)).map((set) => set.join(",")), "each set is replayed once");
    if (row.exact) t.ok(result.sets.every((set) => set.differ.length === 0), "the plan places every domain where crm_simulate does", { differ: result.sets.map((set) => set.differ) });
    const unsafe = result.sets.flatMap((set) => set.unsafe);
    t.equal(unsafe.length, row.unsafe.length, "as many safety points as expected", { unsafe });
    row.unsafe.forEach((pattern, i) => t.match(unsafe[i] ?? "", pattern));
    if (row.quorumLost !== undefined) t.ok(result.sets.every((set) => set.quorumLost === row.quorumLost), `quorum lost: ${row.quorumLost}`);
    for (const set of result.sets) {
      // Plan pessimistic is not a safety point; plan optimistic is, and is listed.
      const optimistic = [...set.plan].filter(([id, node]) => node !== undefined && set.simulated.get(id) === undefined).map(([id]) => id);
      t.same(optimistic, set.unsafe.flatMap((u) => /^(\S+): the plan runs it/.exec(u)?.[1] ?? []), `${set.failed.join(",")}: every domain the plan runs and crm_simulate does not is a safety point`);
    }

    // The oracle, run on its own: the same sets from the same boot give the same placement.
    const boot = await simulate(context, text, []);
    if (!boot.ok) return t.fail(boot.message);
    for (const set of result.sets) {
      const own = await simulate(context, boot.state, [set.failed.map((node) => ({ kind: "fail" as const, node }))]);
      if (!own.ok) return t.fail(own.message);
      const after = own.steps[0]?.transition.after;
      const shown = Object.fromEntries([...set.simulated.keys()].map((id) => [id, after ? runningOn(after, id).find((n) => !set.failed.includes(n)) : undefined]));
      t.same(Object.fromEntries(set.simulated), shown, `${set.failed.join(",")}: confirm shows what crm_simulate shows`);
    }
    const printed = formatConfirmation(result);
    t.match(printed, result.sets.length === 0 ? /nothing to replay/ : new RegExp(`${result.sets.length} sets? marked \\(\\?\\) replayed`));
    if (row.unsafe.length > 0) t.match(printed, /DISAGREE \(safety\)/);
    else t.notMatch(printed, /DISAGREE/);
  });
}
