import { param } from "../lib/ocf/params.ts";
import { location, primitive } from "../lib/cib/author/build.ts";
import { defineTemplate } from "../lib/cib/author/define-template.ts";
import { makeId } from "../lib/cib/model/ids.ts";
import { listOf } from "../lib/cib/author/variables.ts";
import { ipmiCountProblems, ipmiDeviceId, ipmiFencing, ipmiVariables, nodesVariable } from "./parts/hosts.ts";

/**
 * Fencing for physical hosts (doc/cib.md §2g, §6 item 8): one IPMI
 * device per host that never runs on the host it kills, and optionally a
 * switched PDU outlet per host as a second fencing level, tried when the BMC
 * does not answer (a host that lost power to its BMC is still fenced).
 */
const decodeOutlet = (raw: string) =>
  /^\d+$/.test(raw) ? { ok: true as const, value: raw } : { ok: false as const, problem: `'${raw}' is not an outlet number` };

const pduDeviceId = (host: string): string => makeId("fence", host, "pdu");

export const hostFencing = defineTemplate({
  name: "host-fencing",
  description: "Fencing for physical hosts: an IPMI device per host, optionally a PDU outlet as a second level",
  protects: [
    "a hung or split host running domains twice: it is powered off before its domains start elsewhere",
    "a dead BMC: the PDU level cuts the host's power instead",
    "a host fencing itself: each device is kept off the host it kills",
  ],
  variables: {
    nodes: nodesVariable("xen01,xen02", 2),
    ...ipmiVariables,
    pdu_address: param.string({ shortdesc: "Address of a switched APC PDU (unset: IPMI only)" }),
    pdu_outlets: listOf(decodeOutlet)({
      default: "",
      syntax: "OUTLET,...",
      shortdesc: "PDU outlet of each host, in host order",
    }),
    pdu_user: param.string({ default: "apc", shortdesc: "SNMPv3 user of the PDU" }),
    pdu_password_script: param.string({
      default: "/etc/xen-ha/pdu-password",
      shortdesc: "Script that prints the PDU's SNMPv3 password (nothing secret in the CIB)",
    }),
    fence_delay: param.integer({ max: 60 })({
      default: 0,
      shortdesc: "Seconds the device fencing the first host waits (two-host clusters: the first host wins a split)",
    }),
    stonith_action: param.select(["reboot", "off"])({
      default: "reboot",
      shortdesc: "What fencing does to a host: reboot it, or leave it off for inspection",
    }),
  },
  crossCheck(values) {
    const pdu = values.pdu_address !== undefined;
    return [
      ...ipmiCountProblems(values.nodes, values),
      ...(pdu && values.pdu_outlets.length !== values.nodes.length
        ? [`pdu_outlets: ${values.pdu_outlets.length} outlets for ${values.nodes.length} hosts`]
        : []),
      ...(!pdu && values.pdu_outlets.length > 0 ? ["pdu_outlets: set, but pdu_address is not"] : []),
    ];
  },
  render(values) {
    const first = values.nodes[0];
    const ipmi = ipmiFencing(values.nodes, values, (host) =>
      host === first && values.fence_delay > 0 ? { pcmk_delay_base: `${values.fence_delay}s` } : {},
    );
    const pdu = values.pdu_address;
    const pduDevices =
      pdu === undefined
        ? []
        : values.nodes.map((host, i) =>
            primitive({
              id: pduDeviceId(host),
              agent: "stonith:fence_apc_snmp",
              params: {
                pcmk_host_list: host,
                ip: pdu,
                plug: values.pdu_outlets[i] ?? "",
                snmp_version: "3",
                snmp_sec_level: "authNoPriv",
                username: values.pdu_user,
                password_script: values.pdu_password_script,
              },
              ops: [{ name: "monitor", interval: "120s", timeout: "20s" }],
            }),
          );
    return {
      properties: { "stonith-action": values.stonith_action },
      nodes: values.nodes.map((name) => ({ name })),
      resources: [...ipmi.resources, ...pduDevices],
      constraints: [
        ...ipmi.constraints,
        ...(pdu === undefined
          ? []
          : values.nodes.map((host) => location(makeId(pduDeviceId(host), "avoids-self"), pduDeviceId(host), host, "-INFINITY"))),
      ],
      fencingLevels: values.nodes.flatMap((host) => [
        { target: host, index: 1, devices: [ipmiDeviceId(host)] },
        ...(pdu === undefined ? [] : [{ target: host, index: 2, devices: [pduDeviceId(host)] }]),
      ]),
    };
  },
});
