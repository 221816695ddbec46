import { param } from "../lib/ocf/params.ts";
import { primitive } from "../lib/cib/author/build.ts";
import { defineTemplate } from "../lib/cib/author/define-template.ts";
import { hostList } from "../lib/cib/author/variables.ts";
import { domainNameList } from "./parts/domains.ts";

/**
 * A cluster whose nodes are Xen domains (the guests run their own Pacemaker),
 * fenced through the dom0s they run on (doc/cib.md §2f (2)). One
 * fence_xen device reaches every dom0 over ssh (agents/fence-xen) and destroys/restarts the
 * guest's domain wherever it runs, so it works with all guests on one dom0
 * and with guests spread over several (where, on the dom0 side, an advisory
 * anti-colocation should keep them apart). The cluster-glue xen0-ha helper is
 * not offered: Pacemaker >= 1.0 ignores the target_role it sets.
 */
export const FENCE_XEN_AGENT = "stonith:fence_xen";
export const GUEST_FENCE_DEVICE = "fence-xen";

export const guestCluster = defineTemplate({
  name: "guest-cluster",
  description: "A cluster of Xen guests, each fenced by destroying its domain through the dom0 it runs on",
  protects: [
    "a hung or split guest: its domain is killed through its dom0 before its services start elsewhere",
    "a guest that migrated to another dom0: fencing looks for the domain on every listed dom0",
  ],
  variables: {
    nodes: hostList({
      default: "guest1,guest2",
      min: 2,
      syntax: "HOST,...",
      shortdesc: "Cluster nodes: the guests' host names, as the guests' corosync names them",
    }),
    guest_domains: domainNameList({
      default: "",
      syntax: "DOMAIN,...",
      shortdesc: "The Xen domain of each guest, in node order (empty: the domain is named like the node)",
    }),
    dom0_list: hostList({
      default: "xen01,xen02",
      min: 1,
      syntax: "HOST,...",
      shortdesc: "The dom0 hosts the guests may run on; fencing asks every one of them",
    }),
    username: param.string({ default: "root", shortdesc: "User fence_xen logs into the dom0s as (over ssh)" }),
    identity_file: param.string({
      default: "/etc/xen-ha/fence_xen_key",
      shortdesc: "ssh private key fence_xen uses (present on every guest; no password in the CIB)",
    }),
  },
  crossCheck(values) {
    return values.guest_domains.length === 0 || values.guest_domains.length === values.nodes.length
      ? []
      : [`guest_domains: ${values.guest_domains.length} domains for ${values.nodes.length} nodes`];
  },
  render(values) {
    const domainOf = (node: string, i: number): string => values.guest_domains[i] ?? node;
    return {
      nodes: values.nodes.map((name) => ({ name })),
      resources: [
        primitive({
          id: GUEST_FENCE_DEVICE,
          agent: FENCE_XEN_AGENT,
          params: {
            pcmk_host_map: values.nodes.map((node, i) => `${node}:${domainOf(node, i)}`).join(";"),
            dom0_list: values.dom0_list.join(","),
            username: values.username,
            identity_file: values.identity_file,
          },
          ops: [{ name: "monitor", interval: "60s", timeout: "20s" }],
        }),
      ],
      fencingLevels: values.nodes.map((node) => ({ target: node, index: 1, devices: [GUEST_FENCE_DEVICE] })),
    };
  },
});
