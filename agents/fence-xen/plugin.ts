import { param } from "../../lib/ocf/params.ts";
import type { ParamValues } from "../../lib/ocf/params.ts";
import { fenceProtocolParams } from "../../lib/fence/fence-params.ts";
import type { PluginDefinition } from "../../lib/stonith-plugin/run-plugin.ts";
import { fenceXenBudgetMs, validateFenceXen } from "./agent.ts";
import { operationWaits, xenDevice, type FenceXenDeps } from "./device.ts";
import { hostProblem, listProblem, shown, splitList } from "../../lib/ocf/checks.ts";
import { UUID } from "../../lib/toolstack/list-verbose.ts";
import { plugProblem, xenDeviceParams } from "./params.ts";
import { runningDelayParam } from "./running-delay.ts";

/** `node` or `node:domain`: the cluster's node name, and the domain that is that node when the names differ. */
function entryOf(entry: string): { readonly node: string; readonly domain: string } | undefined {
  const [node = "", domain = node, ...rest] = entry.split(":");
  return rest.length === 0 ? { node, domain } : undefined;
}

export const hostlistProblem = (text: string): string | undefined =>
  listProblem(
    text,
    (word) => {
      const entry = entryOf(word);
      if (!entry) return `${shown(word)} is not node or node:domain`;
      return hostProblem(entry.node) ?? plugProblem(entry.domain);
    },
    "node",
  );

/** node -> domain, from the hostlist (checked by hostlistProblem). */
export function hostMap(hostlist: string): ReadonlyMap<string, string> {
  return new Map((splitList(hostlist) ?? []).flatMap((word) => {
    const entry = entryOf(word);
    return entry ? [[entry.node, entry.domain] as const] : [];
  }));
}

/**
 * external/xen-ha's parameters: the nodes it fences, then the same device and
 * timing parameters as fence_xen (one declaration each, shared).
 */
export const xenHaPluginParams = {
  hostlist: param.string({
    required: true,
    unique: true,
    shortdesc: "Nodes this device fences",
    longdesc:
      "Space- or comma-separated entries node[:domain]: the cluster node name, and the Xen domain that is that " +
      "node when its name differs. Example: \"guest1 guest2:vm-guest2\".",
    check: hostlistProblem,
  }),
  ...xenDeviceParams,
  delay: fenceProtocolParams.delay,
  power_timeout: fenceProtocolParams.power_timeout,
  power_wait: fenceProtocolParams.power_wait,
  retry_on: fenceProtocolParams.retry_on,
  missing_as_off: fenceProtocolParams.missing_as_off,
  delay_if_running: runningDelayParam(plugProblem),
};

type PluginValues = ParamValues<typeof xenHaPluginParams>;

export function xenHaPlugin(deps: FenceXenDeps): PluginDefinition<typeof xenHaPluginParams> {
  return {
    name: "xen-ha",
    devid: "xen-ha STONITH device",
    devname: "Xen domains through their dom0s' toolstacks (xen-ha)",
    devdescr:
      "Fences Xen domains that are cluster nodes by destroying them with xl or xm on every dom0 that may host them, " +
      "locally or over ssh. A node counts as off only when every dom0 says its domain does not exist; a dom0 that " +
      "does not answer makes the operation fail. The same implementation as the fence agent fence_xen.",
    devurl: "https://xenproject.org",
    params: xenHaPluginParams,
    hosts: (values: PluginValues) => [...hostMap(values.hostlist).keys()],
    // cluster-glue compares node names without regard to case.
    plugOf: (values: PluginValues, node: string) =>
      [...hostMap(values.hostlist)].find(([name]) => name.toLowerCase() === node.toLowerCase())?.[1],
    listable: (plug: string) => !UUID.test(plug),
    validate: validateFenceXen,
    budgetMs: fenceXenBudgetMs,
    device: (values, { op, ...context }) => xenDevice(values, { ...context, ...operationWaits(op, values) }, deps),
    sleep: deps.sleep,
  };
}
