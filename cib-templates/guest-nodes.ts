import { param } from "../lib/ocf/params.ts";
import { defineTemplate } from "../lib/cib/author/define-template.ts";
import { addressList } from "../lib/cib/author/variables.ts";
import { domainOptions, domainResource, domainVariables, hostDomainProblems } from "./parts/domains.ts";
import { ipmiFencing, ipmiVariables, nodesVariable } from "./parts/hosts.ts";

/**
 * Guests as Pacemaker Remote guest nodes of the dom0 cluster (doc/cib.md
 * §2f (1)): each XenDomain resource carries remote-node, so the guest joins
 * the dom0 cluster and services can be placed on it. Fencing a guest is the
 * dom0 cluster stopping and restarting its domain; no fence device inside the
 * guest is needed. When a dom0 dies it is fenced and its guests count as
 * fenced with it.
 */
export const guestNodes = defineTemplate({
  name: "guest-nodes",
  description: "Guests as Pacemaker Remote guest nodes of the dom0 cluster, fenced by restarting their domain",
  protects: [
    "a guest that hangs or whose domain dies: the dom0 cluster restarts its domain (guest fencing)",
    "a dom0 crash: the dom0 is fenced, its guests restart on another dom0 and rejoin",
  ],
  variables: {
    nodes: nodesVariable("xen01,xen02", 2),
    ...domainVariables,
    remote_addresses: addressList({
      default: "",
      syntax: "ADDRESS,...",
      shortdesc: "Address of each guest's pacemaker_remote, in domain order (empty: the domain name resolves)",
    }),
    remote_connect_timeout: param.integer({ min: 1 })({
      default: 60,
      shortdesc: "Seconds a guest may take to boot and accept the cluster's connection",
    }),
    ...ipmiVariables,
  },
  crossCheck(values) {
    return [
      ...hostDomainProblems(values),
      ...(values.remote_addresses.length === 0 || values.remote_addresses.length === values.domains.length
        ? []
        : [`remote_addresses: ${values.remote_addresses.length} addresses for ${values.domains.length} domains`]),
      ...values.domains
        .filter((domain) => values.nodes.includes(domain.name))
        .map((domain) => `domains: guest '${domain.name}' has the name of a dom0 node`),
    ];
  },
  render(values) {
    const fencing = ipmiFencing(values.nodes, values);
    const options = domainOptions(values);
    return {
      nodes: values.nodes.map((name) => ({ name })),
      resources: [
        ...fencing.resources,
        ...values.domains.map((domain, i) =>
          domainResource(domain, {
            ...options,
            meta: {
              "remote-node": domain.name,
              "remote-addr": values.remote_addresses[i],
              "remote-connect-timeout": `${values.remote_connect_timeout}s`,
            },
          }),
        ),
      ],
      constraints: fencing.constraints,
    };
  },
});
