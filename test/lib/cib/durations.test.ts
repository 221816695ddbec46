import t from "tap";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { misreading, pacemakerIntervalMs, pacemakerTimeoutMs } from "../../../lib/cib/model/duration.ts";
import { runTool } from "../../../lib/cib/tools.ts";
import { childNamed, childrenNamed, parseXml, type XmlElement } from "../../../lib/xml/parse.ts";
import { escapeXml } from "../../../lib/xml/xml.ts";
import { SKIP_PACEMAKER, toolContext } from "./support/tools.ts";

/**
 * The duration table of doc/durations.md, with crm_simulate as the oracle:
 * one resource per text, whose start op has that timeout and whose monitor
 * has that interval; the transition graph shows the CRM_meta_timeout of the
 * start and the interval of the recurring monitor (none when Pacemaker reads 0).
 */
const TABLE: readonly string[] = [
  "60s", "90", "2min", "500ms", "1h", "60S", "5 mSec", "10 s",
  "PT2M", "PT1M30S", "0.9m", "1.5s", "5m30s", "5 minutes", "3days", "5x", "-5s", "+5s", "1e3", ".", "1,5s", "5s junk",
  "3000000s", "5000000s", "P1D", "P2D", "P1W", "PT1.5M", "pt1m", "PT1S1M", "PT1M ",
];

const plainlyMeant = ["60s", "90", "2min", "500ms", "1h", "60S", "5 mSec", "10 s"];

t.test("the model flags exactly the texts that are not plain durations or are read otherwise", async (t) => {
  for (const text of TABLE) {
    const flagged = misreading(text, "timeout") !== undefined;
    t.equal(flagged, !plainlyMeant.includes(text), `timeout ${JSON.stringify(text)}`);
  }
  t.equal(misreading("PT1M30S", "interval"), undefined, "ISO 8601 time parts are right for an interval");
  t.same(misreading("PT2M", "timeout"), { pacemakerMs: 20_000, intendedMs: undefined }, "an ISO timeout is Pacemaker's 20 s default");
  t.same(misreading("0.9m", "timeout"), { pacemakerMs: 0, intendedMs: undefined }, "a decimal is cut to its integer part");
  t.same(misreading("P1D", "interval"), { pacemakerMs: undefined, intendedMs: undefined }, "a day in an ISO interval is misread");
});

const resource = (text: string, i: number): string => `<primitive id="r${i}" class="ocf" provider="heartbeat" type="Dummy"><operations>
  <op id="r${i}-start" name="start" interval="0" timeout="${escapeXml(text)}"/>
  <op id="r${i}-monitor" name="monitor" interval="${escapeXml(text)}" timeout="20s"/>
</operations></primitive>`;

t.test("crm_simulate reads every text of the table as the model says", { skip: SKIP_PACEMAKER }, async (t) => {
  const { context, cleanup } = toolContext();
  t.teardown(cleanup);
  const cib = `<cib have-quorum="1" validate-with="pacemaker-3.0" admin_epoch="0" epoch="1" num_updates="0"><configuration>
<crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"/></nodes>
<resources>${TABLE.map(resource).join("\n")}</resources><constraints/></configuration>
<status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>`;
  const file = join(context.scratch, "durations.xml");
  const graph = join(context.scratch, "graph.xml");
  writeFileSync(file, cib);
  const ran = await runTool(context, "crm_simulate", ["--xml-file", file, "--simulate", "--save-graph", graph, "--quiet"]);
  if (!ran.ok) return t.fail(ran.message);
  const parsed = parseXml(readFileSync(graph, "utf8"));
  if (!parsed.ok) return t.fail(parsed.problem);
  const ops = childrenNamed(parsed.root, "synapse").flatMap((synapse) =>
    childrenNamed(childNamed(synapse, "action_set") as XmlElement, "rsc_op").map((op) => ({
      key: op.attributes["operation_key"] ?? "",
      timeout: childNamed(op, "attributes")?.attributes["CRM_meta_timeout"],
    })),
  );
  TABLE.forEach((text, i) => {
    const start = ops.find((op) => op.key === `r${i}_start_0`);
    t.equal(start?.timeout, String(pacemakerTimeoutMs(text)), `timeout ${JSON.stringify(text)}: ${start?.timeout ?? "no start"} ms`);
    const recurring = ops.find((op) => op.key.startsWith(`r${i}_monitor_`) && op.key !== `r${i}_monitor_0`);
    const interval = recurring ? Number(recurring.key.slice(`r${i}_monitor_`.length)) : 0;
    const modelled = pacemakerIntervalMs(text);
    if (modelled === undefined) {
      // the table's date-part intervals are days and weeks only
      const days = Number(/(\d+)D/.exec(text)?.[1] ?? 0) + 7 * Number(/(\d+)W/.exec(text)?.[1] ?? 0);
      t.not(interval, days * 86_400_000, `interval ${JSON.stringify(text)}: read as ${interval} ms, not the ${days} day(s) it says`);
      t.ok(misreading(text, "interval"), `interval ${JSON.stringify(text)} is flagged`);
    } else t.equal(interval, modelled, `interval ${JSON.stringify(text)}: ${interval} ms`);
  });
});
