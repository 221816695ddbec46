import t from "tap";
import { existsSync, readFileSync } from "node:fs";
import { crmVerify, readCibText } from "../../../lib/cib/check/check.ts";
import { PACEMAKER_CLUSTER_OPTIONS } from "../../../lib/cib/import/heartbeat-names.ts";
import { importHeartbeat } from "../../../lib/cib/import/import-heartbeat.ts";
import { formatProblem } from "../../../lib/cib/model/problem.ts";
import { runCommand } from "../../../lib/exec/command.ts";
import { shippedAgents } from "./support/agents.ts";
import { SKIP_PACEMAKER, toolContext } from "./support/tools.ts";

/**
 * The importer's name tables against Pacemaker itself: every cluster option
 * name the installed options schema forbids is carried somewhere valid, and
 * the options Pacemaker 2.1 knows are the ones its daemons' meta-data lists.
 */
const OPTIONS_RNG = "/usr/share/pacemaker/options-3.0.rng";

/** The names options-3.0.rng refuses in a cluster_property_set (its <except> list). */
function forbiddenNames(): string[] {
  const rng = readFileSync(OPTIONS_RNG, "utf8");
  const except = /<attribute name="name">\s*<data type="string">\s*<except>([\s\S]*?)<\/except>/.exec(rng)?.[1] ?? "";
  return [...except.matchAll(/<value>([^<]+)<\/value>/g)].map((m) => m[1] ?? "");
}

/** A value each option could have had in a Heartbeat CIB. */
const VALUE: Readonly<Record<string, string>> = {
  "cluster-infrastructure": "heartbeat",
  "default-resource-failure-stickiness": "-INFINITY",
  "default-resource-stickiness": "100",
  "default-migration-threshold": "3",
  "default-action-timeout": "30s",
  "expected-quorum-votes": "2",
  "notification-agent": "/usr/local/bin/notify",
  "notification-recipient": "admin@example.org",
  "no-quorum-policy": "stop",
  "stonith-action": "reboot",
  "transition-idle-timeout": "60s",
  "cluster-recheck-interval": "15min",
  "dc-deadtime": "20s",
  "election-timeout": "2min",
  "shutdown-escalation": "20min",
};

t.test("every option name the 3.0 schema forbids is carried somewhere valid", { skip: existsSync(OPTIONS_RNG) ? false : `${OPTIONS_RNG} is not installed` }, async (t) => {
  const names = forbiddenNames();
  t.ok(names.length >= 20, `read ${names.length} forbidden names from ${OPTIONS_RNG}`);
  const nvpairs = names.map((name, i) => `<nvpair id="o${i}" name="${name}" value="${VALUE[name.replace(/_/g, "-")] ?? "true"}"/>`).join("");
  const input =
    `<cib admin_epoch="0" epoch="1" num_updates="0"><configuration><crm_config><cluster_property_set id="cib-bootstrap-options"><attributes>${nvpairs}</attributes></cluster_property_set></crm_config>` +
    `<nodes><node id="n1" uname="xen01" type="normal"/></nodes><resources/><constraints/></configuration></cib>`;
  const result = importHeartbeat(input, "pacemaker-3.0", shippedAgents);
  if (!result.ok) return t.fail(result.problem);
  t.same(result.problems, [], "nothing refused");
  const read = readCibText(result.text);
  t.ok(read.ok, "the result reads as a CIB");
  if (read.ok) {
    const written = read.cib.properties.map((p) => p.name);
    t.same(written.filter((name) => names.includes(name)), [], "no forbidden name is left in crm_config");
    t.same(written.filter((name) => !PACEMAKER_CLUSTER_OPTIONS.has(name)), [], "every option written is one Pacemaker 2.1 knows");
  }
  for (const name of names) {
    const said = result.notes.some((note) => note.includes(`option ${name} `) || note.includes(`option ${name}=`));
    const renamed = name.includes("_") && read.ok && read.cib.properties.some((p) => p.name === name.replace(/_/g, "-"));
    t.ok(said || renamed, `${name}: moved, dropped with a note, or renamed`);
  }
  t.test("crm_verify accepts the result", { skip: SKIP_PACEMAKER }, async (t) => {
    const { context, cleanup } = toolContext();
    t.teardown(cleanup);
    const verdict = await crmVerify(context, result.text);
    t.ok(verdict.ran);
    if (verdict.ran) t.same(verdict.problems.map(formatProblem).filter((p) => /relax-ng|validity|schema|invalid/i.test(p)), [], "valid against the schema");
  });
});

const daemons = ["pacemaker-schedulerd", "pacemaker-controld", "pacemaker-based"].map((name) => `/usr/lib/pacemaker/${name}`);
const noDaemons = daemons.every((path) => existsSync(path)) ? false : "Pacemaker's daemons are not installed";
t.test("the cluster options Pacemaker 2.1 knows are its daemons' meta-data", { skip: noDaemons }, async (t) => {
  const listed = new Set<string>();
  for (const daemon of daemons) {
    const result = await runCommand(daemon, ["metadata"], { timeoutMs: 20_000 });
    t.equal(result.exitCode, 0, `${daemon} metadata`);
    for (const match of result.stdout.matchAll(/<parameter name="([^"]+)"/g)) listed.add(match[1] ?? "");
  }
  t.same([...PACEMAKER_CLUSTER_OPTIONS].filter((name) => !listed.has(name)).sort(), [], "no option the daemons do not list");
  t.same([...listed].filter((name) => !PACEMAKER_CLUSTER_OPTIONS.has(name)).sort(), [], "no option the daemons list is missing");
});
