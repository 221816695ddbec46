import { xml, type Xml } from "../xml/xml.ts";

/** The lab's CIB pieces, built by construction (lib/xml escapes every value). */
export const nvpairs = (prefix: string, pairs: Readonly<Record<string, string>>): Xml[] =>
  Object.entries(pairs).map(([name, value]) => xml`<nvpair id="${prefix}-${name}" name="${name}" value="${value}"/>`);

/** The fence device: fence_lab for every node, monitored once a minute. */
export function fenceDevice(nodes: readonly string[]): Xml {
  return xml`<primitive id="fence-lab" class="stonith" type="fence_lab"><instance_attributes id="fence-lab-params">${nvpairs("fence-lab", { pcmk_host_list: nodes.join(" ") })}</instance_attributes><operations><op id="fence-lab-monitor" name="monitor" interval="60s"/></operations></primitive>`;
}

/** Operation timeouts, s: execd gives 20 s to any op without one (cluster-lab §5), so each is explicit. */
export interface XenDomainOps {
  readonly start: number;
  readonly stop: number;
  readonly monitor: number;
  readonly monitorInterval: number;
  readonly migrateTo: number;
  readonly migrateFrom: number;
}

/** One <op> of resource `id`, its timeout and interval in seconds. */
const operation = (id: string, name: string, timeout: number, interval: number): Xml =>
  xml`<op id="${id}-${name}-${interval}" name="${name}" interval="${interval}s" timeout="${timeout}s"/>`;

/** ocf:xen-ha:XenDomain for `config`, live-migratable; `params` are further instance attributes. */
export function xenDomainResource(id: string, config: string, ops: XenDomainOps, params: Readonly<Record<string, string>> = {}): Xml {
  const op = (name: string, timeout: number, interval = 0) => operation(id, name, timeout, interval);
  return xml`<primitive id="${id}" class="ocf" provider="xen-ha" type="XenDomain"><instance_attributes id="${id}-params">${nvpairs(`${id}-params`, { xmfile: config, ...params })}</instance_attributes><meta_attributes id="${id}-meta">${nvpairs(`${id}-meta`, { "allow-migrate": "true" })}</meta_attributes><operations>${[
    op("start", ops.start),
    op("stop", ops.stop),
    op("monitor", ops.monitor, ops.monitorInterval),
    op("migrate_to", ops.migrateTo),
    op("migrate_from", ops.migrateFrom),
  ]}</operations></primitive>`;
}

/**
 * The floor's resource: Pacemaker's own ocf:pacemaker:Dummy, which starts
 * instantly, its state file at `state`, kept off vm1's node (-1000) so a
 * crash takes one of them at a time.
 */
export function floorResource(id: string, state: string, awayFrom: string): { primitive: Xml; apart: Xml } {
  const op = (name: string, timeout: number, interval = 0) => operation(id, name, timeout, interval);
  return {
    primitive: xml`<primitive id="${id}" class="ocf" provider="pacemaker" type="Dummy"><instance_attributes id="${id}-params">${nvpairs(`${id}-params`, { state })}</instance_attributes><operations>${[op("start", 20), op("stop", 20), op("monitor", 20, 10)]}</operations></primitive>`,
    apart: xml`<rsc_colocation id="${id}-apart" rsc="${id}" with-rsc="${awayFrom}" score="-1000"/>`,
  };
}
