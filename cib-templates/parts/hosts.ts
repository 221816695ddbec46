import { param } from "../../lib/ocf/params.ts";
import { location, primitive, type Pairs } from "../../lib/cib/author/build.ts";
import { makeId } from "../../lib/cib/model/ids.ts";
import { addressList, hostList } from "../../lib/cib/author/variables.ts";
import type { Xml } from "../../lib/xml/xml.ts";

/**
 * Physical hosts (dom0s) and their fence devices: one fence_ipmilan device per
 * host, never run on the host it kills (doc/cib.md §2g). The password
 * comes from a script on each host, so the CIB never holds it.
 */
const absolutePath = (value: string): string | undefined =>
  value.startsWith("/") ? undefined : `'${value}' is not an absolute path`;

export const nodesVariable = (defaults: string, min: number, max?: number) =>
  hostList({
    default: defaults,
    min,
    ...(max !== undefined ? { max } : {}),
    syntax: "HOST,HOST,...",
    shortdesc: "Cluster nodes (the dom0 host names, as corosync names them)",
  });

export const ipmiVariables = {
  ipmi_addresses: addressList({
    syntax: "ADDRESS,...",
    shortdesc: "IPMI (BMC) address of each host, in the order the hosts are listed",
    longdesc: "One fence_ipmilan device per host uses it to power-cycle that host.",
  }),
  ipmi_user: param.string({ default: "admin", shortdesc: "IPMI user name" }),
  ipmi_password_script: param.string({
    default: "/etc/xen-ha/ipmi-password",
    check: absolutePath,
    shortdesc: "Script that prints the IPMI password",
    longdesc: "fence_ipmilan runs it on the fencing host, so no password is stored in the CIB.",
  }),
  ipmi_lanplus: param.boolean({ default: true, shortdesc: "Use IPMI v2.0 (lanplus)" }),
};

export interface IpmiValues {
  readonly ipmi_addresses: readonly string[];
  readonly ipmi_user: string;
  readonly ipmi_password_script: string;
  readonly ipmi_lanplus: boolean;
}

/** The address list must name one address per host. */
export function ipmiCountProblems(hosts: readonly string[], values: IpmiValues): string[] {
  return values.ipmi_addresses.length === hosts.length
    ? []
    : [`ipmi_addresses: ${values.ipmi_addresses.length} addresses for ${hosts.length} hosts (${hosts.join(", ")})`];
}

export const ipmiDeviceId = (host: string): string => makeId("fence", host, "ipmi");

export interface FencingParts {
  readonly resources: readonly Xml[];
  readonly constraints: readonly Xml[];
}

/** One IPMI device per host, with a -INFINITY location keeping it off that host. */
export function ipmiFencing(hosts: readonly string[], values: IpmiValues, extra: (host: string) => Pairs = () => ({})): FencingParts {
  return {
    resources: hosts.map((host, i) =>
      primitive({
        id: ipmiDeviceId(host),
        agent: "stonith:fence_ipmilan",
        params: {
          pcmk_host_list: host,
          ip: values.ipmi_addresses[i] ?? "",
          username: values.ipmi_user,
          password_script: values.ipmi_password_script,
          lanplus: values.ipmi_lanplus ? "1" : undefined,
          ...extra(host),
        },
        ops: [{ name: "monitor", interval: "60s", timeout: "20s" }],
      }),
    ),
    constraints: hosts.map((host) => location(makeId(ipmiDeviceId(host), "avoids-self"), ipmiDeviceId(host), host, "-INFINITY")),
  };
}
