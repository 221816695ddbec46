import t from "tap";
import { semanticProblems } from "../../../lib/cib/check/check.ts";
import { CLAIM_OPTIONS } from "../../../lib/cib/model/claims.ts";
import { readCibText } from "../../../lib/cib/check/check.ts";
import { simulate } from "../../../lib/cib/plan/simulate.ts";
import { isOperation, waitsFor } from "../../../lib/cib/plan/confirm.ts";
import { runningOn, type ClusterStatus, type Transition } from "../../../lib/cib/plan/transition.ts";
import { renderCase } from "./support/cases.ts";
import { shippedAgents } from "./support/agents.ts";
import { SKIP_PACEMAKER, toolContext } from "./support/tools.ts";
import { seededRandom } from "../../support/seeded-random.ts";

/**
 * Property: `xen-ha cib check` accepts a rendering of a storage template iff
 * crm_simulate shows, for every single-host failure and every standby,
 *  - fence-first: a domain of the failed host starts (or migrates) elsewhere only after it is fenced;
 *  - storage-first: a domain starts or arrives on a host only after its pool started (or was
 *    promoted) there, runs only where its pool runs (is primary), and its pool stops (or is
 *    demoted) on a host only after the domain left it;
 *  - never-two-copies: after the transition, no domain runs on two hosts.
 * Each cluster is a random template and values, then none or one random mistake of the
 * classes check knows (storage order deleted / optional / after start instead of promote,
 * colocation deleted or without the primary role, requires=nothing or quorum, fencing off).
 * Some mistakes cannot show in these events (a colocation without the role while both sides are
 * primary; a missing colocation where the pool runs everywhere the domain may go; a missing
 * order to a dual-primary pool, primary on both hosts throughout; requires=nothing on a
 * single-primary pool, whose promote waits for the fencing): for those only "accepted => safe"
 * and "refused for that domain" are asserted; the broken-variant cases (test/cases/cib/121-136)
 * prove them with the event that shows them.
 * CHECK_SEED=<n> replays a run; CHECK_CLUSTERS=<n> runs more (the default is a short CI subset).
 */
const SEED = Number(process.env["CHECK_SEED"] ?? 20261203);
const CLUSTERS = Number(process.env["CHECK_CLUSTERS"] ?? 4);

type PoolKind = "shared-fs" | "drbd-single-primary" | "drbd-dual-primary";
interface Mistake {
  readonly name: string;
  /** Whether single-host failures and standbys on this cluster can show it. */
  readonly visible: boolean;
  readonly apply: (text: string) => string;
}

const POOL = { "shared-fs": { clone: "vmstore-clone", member: "vmstore" }, drbd: { clone: "drbd-pool-clone", member: "drbd-pool" } } as const;
const poolOf = (kind: PoolKind) => (kind === "shared-fs" ? POOL["shared-fs"] : POOL.drbd);

function mistakes(kind: PoolKind, domain: string): Mistake[] {
  const id = `vm-${domain}`;
  const edit = (pattern: RegExp, replace: string) => (text: string) => text.replace(pattern, replace);
  const order = new RegExp(`(<rsc_order id="${id}-after-[^"]*"[^>]*)/>`);
  const colocation = new RegExp(`<rsc_colocation id="${id}-with-[^"]*"[^>]*/>`);
  const list: Mistake[] = [
    // dual-primary: both hosts stay primary through one host's failure or standby, so nothing waits on a promote
    { name: "storage order deleted", visible: kind !== "drbd-dual-primary", apply: edit(order, "") },
    { name: "storage order optional", visible: kind !== "drbd-dual-primary", apply: edit(new RegExp(`(<rsc_order id="${id}-after-[^"]*"[^>]*)kind="Mandatory"`), '$1kind="Optional"') },
    // the pool runs (or is primary) wherever the domain may go after one host's failure or standby
    { name: "storage colocation deleted", visible: false, apply: edit(colocation, "") },
    // single-primary: the domain waits for the survivor's promote, which waits for the fencing
    { name: "requires=nothing", visible: kind !== "drbd-single-primary", apply: edit(new RegExp(`(<meta_attributes id="${id}-meta_attributes">)`), `$1<nvpair id="${id}-requires" name="requires" value="nothing"/>`) },
    { name: "requires=quorum", visible: kind !== "drbd-single-primary", apply: edit(new RegExp(`(<meta_attributes id="${id}-meta_attributes">)`), `$1<nvpair id="${id}-requires" name="requires" value="quorum"/>`) },
    { name: "fencing disabled", visible: true, apply: edit(/name="stonith-enabled" value="true"/, 'name="stonith-enabled" value="false"') },
  ];
  if (kind !== "shared-fs") {
    list.push({ name: "with-rsc-role dropped", visible: false, apply: edit(new RegExp(`(<rsc_colocation id="${id}-with-[^"]*"[^>]*) with-rsc-role="Master"`), "$1") });
    // single-primary: the survivor is promoted in the failure's transition; dual-primary: it already is
    list.push({ name: "order after start, not promote", visible: kind === "drbd-single-primary", apply: edit(new RegExp(`(<rsc_order id="${id}-after-[^"]*" first="${POOL.drbd.clone}") first-action="promote"`), '$1 first-action="start"') });
  }
  return list;
}

function randomCluster(random: () => number, index: number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const template = pick(["live-migration", "data-pool", "n-plus-n"] as const);
  const kind: PoolKind = template === "data-pool" ? pick(["shared-fs", "drbd-single-primary", "drbd-dual-primary"] as const) : pick(["shared-fs", "drbd-dual-primary"] as const);
  const hosts = kind === "shared-fs" && random() < 0.4 ? 3 : 2;
  const names = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => `c${index}d${i}`);
  const values: Record<string, string> = {
    nodes: Array.from({ length: hosts }, (_, i) => `xen0${i + 1}`).join(","),
    ipmi_addresses: Array.from({ length: hosts }, (_, i) => `192.0.2.${11 + i}`).join(","),
    domains: names.join(","),
    [template === "data-pool" ? "pool" : "storage"]: kind,
  };
  // capacity: one host's failure on two hosts is half of them, which corosync survives with two_node
  if (template === "n-plus-n") Object.assign(values, { node_memory: "16384", ...(hosts === 2 ? { quorum: "two_node" } : {}) });
  if (kind === "shared-fs") values["fs_type"] = pick(["ocfs2", "gfs2", "nfs"]);
  const victim = pick(names);
  const mistake = random() < 0.3 ? undefined : pick(mistakes(kind, victim));
  return { template, kind, values, names, victim: `vm-${victim}`, hosts: values["nodes"]?.split(",") ?? [], mistake };
}

const isPromoted = (role: string): boolean => /^(master|promoted)$/i.test(role);
const where = (status: ClusterStatus, id: string, promoted: boolean): readonly string[] =>
  status.resources.filter((r) => r.id === id && (!promoted || isPromoted(r.role))).flatMap((r) => r.nodes);

/** What is wrong with one transition, in words (empty: safe). */
function violations(tr: Transition, event: { kind: "fail" | "standby"; node: string }, domains: readonly string[], pool: { member: string }, promotable: boolean): string[] {
  const found: string[] = [];
  const arrive = ["start", "migrate_from"];
  for (const domain of domains) {
    if (tr.after && runningOn(tr.after, domain).length > 1) found.push(`${domain} runs on ${runningOn(tr.after, domain).join(" and ")}`);
    for (const action of tr.actions.filter((a) => isOperation(a, domain, arrive))) {
      if (event.kind === "fail" && runningOn(tr.before, domain).includes(event.node) && !waitsFor(tr, action, (a) => a.kind === "fence" && a.node === event.node)) {
        found.push(`${action.operation} ${domain} on ${action.node ?? "?"} does not wait for fence ${event.node}`);
      }
      const poolAction = tr.actions.find((a) => isOperation(a, pool.member, promotable ? ["promote"] : ["start"], action.node));
      if (poolAction && !waitsFor(tr, action, (a) => a.id === poolAction.id)) found.push(`${action.operation} ${domain} on ${action.node ?? "?"} does not wait for ${poolAction.operation} ${pool.member} there`);
    }
    for (const node of runningOn(tr.before, domain)) {
      for (const action of tr.actions.filter((a) => isOperation(a, pool.member, promotable ? ["demote", "stop"] : ["stop"], node))) {
        if (!waitsFor(tr, action, (a) => isOperation(a, domain, ["stop", "migrate_to"], node)) && !(event.kind === "fail" && node === event.node)) {
          found.push(`${action.operation} ${pool.member} on ${node} does not wait for ${domain} to leave`);
        }
      }
    }
    for (const node of tr.after ? runningOn(tr.after, domain) : []) {
      if (tr.after && !where(tr.after, pool.member, promotable).includes(node)) found.push(`${domain} runs on ${node} without its pool ${promotable ? "primary" : "running"} there`);
    }
  }
  return found;
}

t.comment(`seed ${SEED}, ${CLUSTERS} clusters (CHECK_SEED=${SEED} replays this run, CHECK_CLUSTERS=<n> runs more)`);
const random = seededRandom(SEED);
for (let index = 0; index < CLUSTERS; index++) {
  const cluster = randomCluster(random, index);
  t.test(`cluster ${index}: ${cluster.template} ${JSON.stringify(cluster.values)}, mistake: ${cluster.mistake?.name ?? "none"}`, { skip: SKIP_PACEMAKER }, async (t) => {
    const rendered = renderCase({ description: "", template: cluster.template, values: cluster.values });
    if (!rendered.ok) return t.fail(rendered.problems.join("; "));
    // two hosts run corosync with two_node: 1, so one host's failure keeps quorum; the capacity templates declare it as a value
    const declared = cluster.hosts.length === 2 && cluster.template !== "n-plus-n"
      ? rendered.text.replace(/(<nvpair id="cib-bootstrap-options-stonith-enabled"[^>]*\/>)/, `$1<nvpair id="cib-bootstrap-options-${CLAIM_OPTIONS.quorum}" name="${CLAIM_OPTIONS.quorum}" value="two_node"/>`)
      : rendered.text;
    const text = cluster.mistake ? cluster.mistake.apply(declared) : declared;
    if (cluster.mistake) t.not(text, declared, `the mistake applies (${cluster.mistake.name})`);
    const read = readCibText(text);
    if (!read.ok) return t.fail(read.problem);
    const errors = semanticProblems(read.cib, shippedAgents).filter((p) => p.severity === "error");
    const accepted = errors.length === 0;

    const { context, cleanup } = toolContext();
    t.teardown(cleanup);
    const up = await simulate(context, text, []);
    if (!up.ok) return t.fail(up.message);
    const domains = cluster.names.map((name) => `vm-${name}`);
    const pool = poolOf(cluster.kind);
    const found: string[] = [];
    for (const node of cluster.hosts) {
      for (const kind of ["fail", "standby"] as const) {
        const step = await simulate(context, up.state, [[{ kind, node }]]);
        if (!step.ok) return t.fail(step.message);
        const transition = step.steps[0]?.transition;
        if (transition) found.push(...violations(transition, { kind, node }, domains, pool, cluster.kind !== "shared-fs").map((v) => `${kind} ${node}: ${v}`));
      }
    }
    const safe = found.length === 0;
    if (accepted) t.ok(safe, "check accepts it, and crm_simulate shows fence-first, storage-first and never-two-copies", { violations: found });
    else if (cluster.mistake?.visible !== false) t.notOk(safe, "check refuses it, and crm_simulate shows why", { errors: errors.map((e) => e.message) });
    else {
      t.comment("single-host failures and standbys cannot show this mistake here: only 'accepted => safe' holds");
      t.ok(errors.some((e) => e.element.includes(cluster.victim) || e.message.includes(cluster.victim)), "check refuses it for the domain the mistake is in", { errors: errors.map((e) => e.message) });
    }
  });
}
