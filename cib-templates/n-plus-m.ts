import { defineTemplate } from "../lib/cib/author/define-template.ts";
import { hostList } from "../lib/cib/author/variables.ts";
import { capacityCluster, capacityVariables, separateProblems, stickinessProblems } from "./parts/capacity.ts";
import { domainVariables, duplicateDomainProblems } from "./parts/domains.ts";
import { ipmiCountProblems, ipmiVariables, nodesVariable } from "./parts/hosts.ts";
import { migrationProblems, migrationVariables, type MigrationValues } from "./parts/migration.ts";

const sparesVariable = (defaults: string, min: number, max?: number) =>
  hostList({
    default: defaults,
    min,
    ...(max !== undefined ? { max } : {}),
    syntax: "HOST,...",
    shortdesc: "Spare hosts: they run nothing until an active host fails",
  });

const sharedCheck = (values: MigrationValues & {
  readonly nodes: readonly string[];
  readonly spares: readonly string[];
  readonly ipmi_addresses: readonly string[];
  readonly ipmi_user: string;
  readonly ipmi_password_script: string;
  readonly ipmi_lanplus: boolean;
  readonly domains: Parameters<typeof duplicateDomainProblems>[0];
  readonly stickiness: number;
  readonly separate: readonly (readonly string[])[];
}): string[] => [
  ...ipmiCountProblems([...values.nodes, ...values.spares], values),
  ...values.spares.filter((spare) => values.nodes.includes(spare)).map((spare) => `spares: '${spare}' is also an active node`),
  ...duplicateDomainProblems(values.domains),
  ...stickinessProblems(values.stickiness),
  ...separateProblems(values, values.nodes.length + values.spares.length),
  ...migrationProblems([...values.nodes, ...values.spares], values),
];

const protects = (failures: string) => [
  `${failures}: failed hosts are fenced first, then their domains restart on the spare capacity`,
  "planned host maintenance: standby or a move live-migrates the domains, without a restart",
  "overcommitting a host: domains start only where their memory and CPUs fit (utilization)",
  "a second failure evicting recovered domains: they keep running unless a higher-priority domain needs the room",
];

/** N+1 (doc/cib.md §2c): N active hosts and one spare with room for any one host's domains. */
export const nPlusOne = defineTemplate({
  name: "n-plus-1",
  description: "N active hosts plus one spare; capacity-checked recovery of one failed host's domains",
  protects: protects("a host failure"),
  variables: {
    nodes: nodesVariable("xen01,xen02,xen03", 1),
    spares: sparesVariable("xen04", 1, 1),
    ...capacityVariables,
    ...migrationVariables,
    ...domainVariables,
    ...ipmiVariables,
  },
  crossCheck: sharedCheck,
  render: (values, context) =>
    capacityCluster({ active: values.nodes, spares: values.spares, failuresTolerated: 1, values, context }),
});

/** N+M: N active hosts and M spares; the claim is M simultaneous failures. */
export const nPlusM = defineTemplate({
  name: "n-plus-m",
  description: "N active hosts plus M spares; capacity-checked recovery of up to M failed hosts",
  protects: protects("up to M simultaneous host failures"),
  variables: {
    nodes: nodesVariable("xen01,xen02,xen03,xen04", 1),
    spares: sparesVariable("xen05,xen06", 1),
    ...capacityVariables,
    ...migrationVariables,
    ...domainVariables,
    ...ipmiVariables,
  },
  crossCheck: sharedCheck,
  render: (values, context) =>
    capacityCluster({ active: values.nodes, spares: values.spares, failuresTolerated: values.spares.length, values, context }),
});
