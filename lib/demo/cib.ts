import { xml } from "../xml/xml.ts";

export interface DemoPrimitive {
  readonly id: string;
  readonly provider: string;
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
  /** Operation timeouts in seconds; crm_resource passes them to the agent as CRM_meta_timeout. */
  readonly timeouts: { readonly start: number; readonly stop: number; readonly monitor: number };
}

/**
 * A minimal CIB with one primitive, for crm_resource --force-* with CIB_file.
 * stonith-enabled=false only keeps crm_resource from warning: nothing here
 * is a cluster, and nothing is ever fenced.
 */
export function singlePrimitiveCib(p: DemoPrimitive): string {
  const nvpairs = Object.entries(p.params).map(
    ([name, value]) => xml`
          <nvpair id="${p.id}-${name}" name="${name}" value="${value}"/>`,
  );
  return xml`<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources>
      <primitive id="${p.id}" class="ocf" provider="${p.provider}" type="${p.type}">
        <instance_attributes id="${p.id}-params">${nvpairs}
        </instance_attributes>
        <operations>
          <op id="${p.id}-start" name="start" interval="0" timeout="${p.timeouts.start}s"/>
          <op id="${p.id}-stop" name="stop" interval="0" timeout="${p.timeouts.stop}s"/>
          <op id="${p.id}-monitor" name="monitor" interval="10s" timeout="${p.timeouts.monitor}s"/>
        </operations>
      </primitive>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
`.text;
}
