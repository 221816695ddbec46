import t from "tap";
import { formatChanges } from "../../../lib/cib/live/diff.ts";
import { mergeInto } from "../../../lib/cib/live/merge.ts";
import { parseXml, type XmlElement } from "../../../lib/xml/parse.ts";
import { writeXml } from "../../../lib/cib/model/write.ts";

/**
 * Loading merges, as `crm configure load update` does: ids add or replace,
 * options merge by name, nodes match by uname and keep corosync's node id,
 * fencing levels replace the level at the same target and index, nothing is
 * removed.
 */
const xml = (text: string): XmlElement => {
  const parsed = parseXml(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.root;
};

const LIVE = xml(`<cib validate-with="pacemaker-3.9" epoch="7" num_updates="3" admin_epoch="0"><configuration>
  <crm_config><cluster_property_set id="cib-bootstrap-options">
    <nvpair id="cib-bootstrap-options-dc-version" name="dc-version" value="2.1.5"/>
    <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/>
  </cluster_property_set></crm_config>
  <nodes>
    <node id="1084751873" uname="xen01"><utilization id="nodes-1084751873-utilization"><nvpair id="nodes-1084751873-utilization-cpu" name="cpu" value="8"/></utilization></node>
    <node id="1084751874" uname="xen02"/>
  </nodes>
  <resources><primitive id="other" class="ocf" provider="pacemaker" type="Dummy"/><primitive id="vm-web" class="ocf" provider="xen-ha" type="XenDomain"/></resources>
  <constraints/>
  <fencing-topology><fencing-level id="old-level" target="xen01" index="1" devices="other"/></fencing-topology>
</configuration><status/></cib>`);

const INCOMING = xml(`<cib validate-with="pacemaker-3.0"><configuration>
  <crm_config><cluster_property_set id="cib-bootstrap-options">
    <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="true"/>
    <nvpair id="cib-bootstrap-options-placement-strategy" name="placement-strategy" value="balanced"/>
  </cluster_property_set></crm_config>
  <nodes>
    <node id="1" uname="xen01"><utilization id="node-xen01-utilization"><nvpair id="node-xen01-utilization-cpu" name="cpu" value="16"/><nvpair id="node-xen01-utilization-hv_memory" name="hv_memory" value="14336"/></utilization></node>
    <node id="1084751874" uname="xen03"/>
  </nodes>
  <resources><primitive id="vm-web" class="ocf" provider="xen-ha" type="XenDomain"><meta_attributes id="m"><nvpair id="m-p" name="priority" value="10"/></meta_attributes></primitive></resources>
  <constraints><rsc_location id="loc" rsc="vm-web" node="xen01" score="50"/></constraints>
  <fencing-topology><fencing-level id="fl-xen01-1" target="xen01" index="1" devices="vm-web"/></fencing-topology>
</configuration></cib>`);

t.test("a whole CIB merges into the live one", async (t) => {
  const result = mergeInto(LIVE, INCOMING);
  if (!result.ok) return t.fail(result.problem);
  const text = writeXml(result.cib);
  t.match(text, /<cib validate-with="pacemaker-3.9" epoch="7"/, "the live root (schema, versions) is kept");
  t.match(text, /name="dc-version" value="2.1.5"/, "options the file does not name are kept");
  t.match(text, /id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="true"/, "a named option is updated in place");
  t.match(text, /<node id="1084751873" uname="xen01">\s*<utilization id="nodes-1084751873-utilization">\s*<nvpair id="nodes-1084751873-utilization-cpu" name="cpu" value="16"\/>\s*<nvpair id="node-xen01-utilization-hv_memory"/, "a node keeps its corosync id and its one utilization set");
  t.match(text, /<node id="xen03" uname="xen03"\/>/, "a new node whose id is taken gets its name as id");
  t.same(result.notes, ["node xen03 is not in the live CIB; it is added with id 'xen03' - check it matches its corosync node id"]);
  t.match(text, /<primitive id="other"/, "nothing is removed");
  t.match(text, /<primitive id="vm-web"[^>]*>\s*<meta_attributes id="m">/, "a resource with the same id is replaced");
  t.notMatch(text, /old-level/, "a fencing level at the same target and index is replaced");
  t.match(text, /<status\/>/, "the status section is untouched");
  t.match(formatChanges(result.changes), /^  ~ crm_config option stonith-enabled: false -> true\n  \+ crm_config option placement-strategy = balanced\n  ~ node xen01\n[\s\S]*\+ node xen03\n  ~ primitive vm-web\n[\s\S]*\+ rsc_location loc\n  ~ fencing-level fl-xen01-1\n/);
});

t.test("a section fragment merges into its section only", async (t) => {
  const result = mergeInto(LIVE, xml('<constraints><rsc_location id="loc2" rsc="other" node="xen02" score="10"/></constraints>'));
  if (!result.ok) return t.fail(result.problem);
  t.same(result.changes.map((c) => `${c.kind} ${c.what}`), ["add rsc_location loc2"]);
});

t.test("something that is neither a CIB nor a section is refused", async (t) => {
  t.same(mergeInto(LIVE, xml("<primitive id='x'/>")), { ok: false, problem: "<primitive> is neither a CIB nor a configuration section" });
});
