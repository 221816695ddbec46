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
 *
 * Timing (doc/cib.md §2f): the guests talk over a virtual network, so their
 * corosync can run a 300 ms token; a crashed guest (xl's default
 * on_crash="destroy") leaves no domain, which every dom0 then positively
 * reports absent: missing_as_off makes that the quick "already off" it is.
 */
export const FENCE_XEN_AGENT = "stonith:fence_xen";
export const GUEST_FENCE_DEVICE = "fence-xen";

/** The corosync token the template assumes in the guests (its `assumes`); the lab runs scenario 3 with it. */
export const GUEST_CLUSTER_TOKEN_MS = 300;
/**
 * The corosync consensus it assumes: corosync.conf(5) calls a consensus above
 * `join` (50 ms) and below the token safe in a two-node cluster; the default
 * (1.2 x token, 360 ms) would add 210 ms to every detection of a dead guest.
 */
export const GUEST_CLUSTER_CONSENSUS_MS = 150;

export const guestCluster = defineTemplate({
  name: "guest-cluster",
  description: "A cluster of Xen guests, each fenced by destroying its domain through the dom0 it runs on",
  protects: [
    "a hung or split guest: its domain is killed through its dom0 before its services start elsewhere",
    "a guest that migrated to another dom0: fencing looks for the domain on every listed dom0",
    "a crashed guest (on_crash=\"destroy\", xl's default): every dom0 reports its domain gone, and that is its fence",
  ],
  assumes: [
    `corosync in the guests: totem token ${GUEST_CLUSTER_TOKEN_MS} ms with token_coefficient 0, consensus ${GUEST_CLUSTER_CONSENSUS_MS} ms, two_node: 1 with two guests; a guest lost is a new membership about ${(GUEST_CLUSTER_TOKEN_MS + GUEST_CLUSTER_CONSENSUS_MS) / 1000} s later (with more than two guests leave consensus at its default, 1.2 x token)`,
    "the guests' network is virtual (dom0 bridges and the dom0s' LAN): its latency stays far below the token",
    "fence_xen reaches every dom0 in dom0_list over ssh with the key (ssh and one `xl list` each, all at once): a fence is done well under 1 s when every dom0 answers",
    "a dom0 that does not answer fails the fence until it answers again or the dom0 cluster's fence history (stonith_admin on an answering dom0, run by fence_xen's ssh user) shows it fenced since the fence began: fencing never guesses that its guests are gone",
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
    fence_delay: param.integer({ max: 60 })({
      default: 1,
      shortdesc:
        "Two guests: seconds a fence of the first one waits when it finds that guest running, so that when both fence each other at once (a split, or a starved token) the first survives; a crashed first guest is fenced at once; 0: none",
    }),
    missing_as_off: param.boolean({
      default: true,
      shortdesc: "A guest whose domain every dom0 reports gone (crashed, on_crash=destroy) is fenced; false: fencing it fails until an admin acts",
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
            // "1", never "0": fence-agents' fencing.py takes any value of a flag option as set (doc/fence-input.md)
            missing_as_off: values.missing_as_off ? "1" : undefined,
            // fence_xen's own wait, keyed by plug (the domain): only a fence that finds the first guest running waits, so
            // in a split the first guest's undelayed fence of the second lands first, while a crashed first guest (no
            // fence of its own to race) is fenced at once; pcmk_delay_base would delay that too. With three guests or
            // more, quorum keeps a minority from fencing
            delay_if_running: values.nodes.length === 2 && values.fence_delay > 0 ? `${domainOf(values.nodes[0] as string, 0)}:${values.fence_delay}` : undefined,
          },
          ops: [{ name: "monitor", interval: "60s", timeout: "20s" }],
        }),
      ],
      fencingLevels: values.nodes.map((node) => ({ target: node, index: 1, devices: [GUEST_FENCE_DEVICE] })),
    };
  },
});
