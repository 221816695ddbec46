import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseXml } from "../../xml/parse.ts";
import { readCib, type Cib } from "../model/model.ts";
import { hasQuorum, quorumOf } from "../model/quorum.ts";
import { pairValue, promotedMax } from "../model/queries.ts";
import { readTransition, type Transition } from "./transition.ts";
import { runTool, type ToolContext, type ToolOutcome } from "../tools.ts";
import { SETTLE_ROUNDS } from "./settle.ts";

/**
 * `xen-ha cib simulate`: a configuration is brought up in crm_simulate (all
 * nodes join, the cluster has quorum, everything is placed), then each step's
 * events are applied and the transition they cause is read back.
 *
 * What crm_simulate cannot know is assumed, and said so: the data of every
 * promotable clone (DRBD) is up to date everywhere (promotion score 10000 on
 * every node, what the drbd agent sets), and every ping clone reaches all its
 * hosts. Startup probes are switched off in the working copy: nothing runs
 * behind the cluster's back here, and probing every resource on every node
 * costs crm_simulate five times the work of the startup itself (100 domains
 * on 4 hosts: 10 s of CPU instead of 2). A CIB that already has a status
 * section is used as it is.
 *
 * crm_simulate does not count votes: it takes quorum from the CIB's
 * have-quorum, which --quorum sets. So every step tells it whether the hosts
 * still up are quorate (model/quorum.ts: a majority of the configured hosts,
 * or what the declared votequorum option allows), and a step that fails half
 * or more of them shows what Pacemaker then does (no-quorum-policy).
 */
export type SimEvent =
  | { readonly kind: "fail"; readonly node: string }
  | { readonly kind: "standby"; readonly node: string }
  | { readonly kind: "move"; readonly resource: string; readonly node: string }
  | { readonly kind: "attribute"; readonly node: string; readonly name: string; readonly value: string };

export interface SimStep {
  readonly events: readonly SimEvent[];
  readonly transition: Transition;
}

export type SimulationResult =
  | {
      readonly ok: true;
      readonly cib: Cib;
      readonly assumptions: readonly string[];
      readonly steps: readonly SimStep[];
      /** The CIB with its status after the last step: simulate it again to go on from there. */
      readonly state: string;
    }
  | { readonly ok: false; readonly unavailable: boolean; readonly message: string };

const PROMOTION_SCORE = "10000";
const QUORUM_LOST = "from the step where half or more of the hosts have failed (beyond what the declared votequorum option keeps), the survivors have no quorum";

type Failure = { readonly ok: false; readonly unavailable: boolean; readonly message: string };
const failure = (outcome: ToolOutcome & { ok: false }, what: string): Failure => ({
  ok: false,
  unavailable: outcome.unavailable,
  message: `${what}: ${outcome.message}`,
});

/** Transient attributes the agents would have set by now (see the module comment). */
function assumedAttributes(cib: Cib): { node: string; args: string[]; note: string }[] {
  const nodes = cib.nodes.map((n) => n.uname);
  const assumptions: { node: string; args: string[]; note: string }[] = [];
  for (const container of cib.containers) {
    if (promotedMax(container) === undefined) continue;
    for (const member of container.members) {
      for (const node of nodes) {
        assumptions.push({ node, args: ["--promotion", member, "--update", PROMOTION_SCORE], note: `${member} data up to date on every node` });
      }
    }
  }
  for (const ping of cib.primitives.filter((p) => p.agent === "ocf:pacemaker:ping")) {
    const name = pairValue(ping.params, "name") ?? "pingd";
    const hosts = (pairValue(ping.params, "host_list") ?? "").split(/\s+/).filter(Boolean).length;
    const value = String(Number(pairValue(ping.params, "multiplier") ?? "1") * Math.max(1, hosts));
    for (const node of nodes) {
      assumptions.push({ node, args: ["--name", name, "--update", value, "--lifetime", "reboot"], note: `${ping.id} reaches all its hosts (${name}=${value})` });
    }
  }
  return assumptions;
}

async function editState(context: ToolContext, state: string, tool: string, args: readonly string[]): Promise<ToolOutcome> {
  return runTool(context, tool, args, { env: { CIB_file: state }, capMs: 60_000 });
}

async function applyEdit(context: ToolContext, state: string, event: SimEvent): Promise<ToolOutcome | undefined> {
  switch (event.kind) {
    case "standby":
      return editState(context, state, "crm_attribute", ["--node", event.node, "--name", "standby", "--update", "on"]);
    case "move":
      return editState(context, state, "crm_resource", ["--move", "--resource", event.resource, "--node", event.node]);
    case "attribute":
      // joined with "=": a value such as -INFINITY would otherwise be read as options
      return editState(context, state, "crm_attribute", ["--node", event.node, "--name", event.name, `--update=${event.value}`, "--lifetime", "reboot"]);
    case "fail":
      return undefined; // an argument of the transition itself
  }
}

/** Runs one transition on `state` and writes the result back to it. */
async function transition(context: ToolContext, state: string, extra: readonly string[], round: number): Promise<{ ok: true; transition: Transition } | Failure> {
  const graph = join(context.scratch, `graph-${round}.xml`);
  const next = join(context.scratch, `state-${round}.xml`);
  // Exit 1 with a revised status is a transition that could not finish (blocked actions, e.g. without quorum): a result, said in `errors`.
  const outcome = await runTool(context, "crm_simulate", ["--xml-file", state, "--simulate", ...extra, "--output-as=xml", "--save-graph", graph, "--save-output", next], { capMs: 600_000, accept: [0, 1] });
  if (!outcome.ok) return failure(outcome, "crm_simulate");
  if (outcome.result.exitCode === 1 && !outcome.result.stdout.includes("<revised_cluster_status")) {
    return failure({ ok: false, unavailable: false, message: `exit 1: ${outcome.result.stderr.trim() || "no revised status"}`, result: outcome.result }, "crm_simulate");
  }
  const parsed = readTransition(outcome.result.stdout, await readFile(graph, "utf8").catch(() => ""));
  if (!parsed.ok) return { ok: false, unavailable: false, message: parsed.problem };
  await writeFile(state, await readFile(next, "utf8"));
  return parsed;
}

const isQuiet = (t: Transition): boolean => t.summary.length === 0 && t.actions.filter((a) => a.kind !== "pseudo").length === 0;

export async function simulate(context: ToolContext, cibText: string, steps: readonly (readonly SimEvent[])[]): Promise<SimulationResult> {
  const parsed = parseXml(cibText);
  if (!parsed.ok) return { ok: false, unavailable: false, message: `not XML: ${parsed.problem}` };
  const read = readCib(parsed.root);
  if (!read.ok) return { ok: false, unavailable: false, message: read.problem };
  const cib = read.cib;
  const state = join(context.scratch, "state.xml");
  await writeFile(state, cibText);
  let round = 0;
  const notes: string[] = [];

  if (!cib.hasStatus) {
    const probes = await editState(context, state, "crm_attribute", ["--type", "crm_config", "--name", "enable-startup-probes", "--update", "false"]);
    if (!probes.ok) return failure(probes, "crm_attribute");
    const up = cib.nodes.flatMap((n) => ["--node-up", n.uname]);
    const boot = await transition(context, state, ["--quorum", "1", ...up], round++);
    if (!boot.ok) return boot;
    const assumed = assumedAttributes(cib);
    for (const a of assumed) {
      const outcome = await editState(context, state, "crm_attribute", ["--node", a.node, ...a.args]);
      if (!outcome.ok) return failure(outcome, "crm_attribute");
    }
    notes.push("all nodes joined and the cluster has quorum", "no startup probes", ...new Set(assumed.map((a) => a.note)));
    for (let settle = 0; settle < SETTLE_ROUNDS; settle++) {
      const more = await transition(context, state, [], round++);
      if (!more.ok) return more;
      if (isQuiet(more.transition)) break;
    }
  }

  const results: SimStep[] = [];
  const quorum = quorumOf(cib);
  const failed = new Set<string>();
  for (const events of steps) {
    for (const event of events) {
      const outcome = await applyEdit(context, state, event);
      if (outcome && !outcome.ok) return failure(outcome, `${event.kind} ${"node" in event ? event.node : ""}`.trim());
    }
    const fails = events.flatMap((e) => (e.kind === "fail" ? ["--node-fail", e.node] : []));
    for (const e of events) if (e.kind === "fail") failed.add(e.node);
    const quorate = hasQuorum(quorum, new Set(quorum.hosts.filter((h) => !failed.has(h))));
    if (!quorate && !notes.includes(QUORUM_LOST)) notes.push(QUORUM_LOST);
    const step = await transition(context, state, ["--quorum", quorate ? "1" : "0", ...fails], round++);
    if (!step.ok) return step;
    results.push({ events, transition: step.transition });
  }
  return { ok: true, cib, assumptions: notes, steps: results, state: await readFile(state, "utf8") };
}
