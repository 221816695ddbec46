import { absolutePathProblem, hasControlCharacter, shown } from "../../lib/ocf/checks.ts";
import { param } from "../../lib/ocf/params.ts";
import { domainNameProblem } from "../../lib/toolstack/domain-name.ts";
import { leaseParams } from "./never-twice/lease-params.ts";
import { migrateParams } from "./migrate/params.ts";

/** A node attribute's name, as crm_attribute takes it: never a leading '-', nothing to quote. */
const attributeNameProblem = (value: string): string | undefined =>
  /^[A-Za-z0-9_#][A-Za-z0-9_.:#-]*$/.test(value) ? undefined : `${shown(value)} is not a node attribute name (letters, digits, _ . : # -)`;

/** Linux's PATH_MAX less its NUL: a longer program name cannot be run. */
const MAX_PATH = 4095;

/** Each word is a program run without a shell: a path or a name on PATH, never something that looks like an option. */
function monitorScriptsProblem(value: string): string | undefined {
  const bad = value.split(/\s+/).filter((word) => word !== "" && (word.startsWith("-") || hasControlCharacter(word) || word.length > MAX_PATH));
  return bad.length > 0 ? `not a program path or name: ${bad.map(shown).join(", ")}` : undefined;
}

/**
 * XenDomain's parameters. The first ten have the names and meanings of
 * ocf:heartbeat:Xen, so an existing CIB switches by changing its provider.
 */
export const xenDomainParams = {
  xmfile: param.string({
    required: true,
    unique: true,
    shortdesc: "Xen domain configuration file",
    longdesc:
      "Absolute path to the xl (or xm) configuration file of the domain. It is read, never written. " +
      "Keep it on every host that may run the domain, or on shared storage.",
    check: absolutePathProblem,
  }),
  name: param.string({
    unique: true,
    shortdesc: "Xen domain name",
    longdesc:
      "Name of the domain: up to 200 letters, digits and _ . : + -, not beginning with '-', not all digits, " +
      "not Domain-0, and not a name a migrating domain wears (NAME--incoming, NAME--migratedaway, migrating-NAME); " +
      "the name= of the configuration file is held to the same rule. When unset, the name= line of the configuration file is used; if the file " +
      "cannot be read or has no name, the agent fails instead of guessing (it never falls back to the resource id).",
    check: domainNameProblem,
  }),
  shutdown_timeout: param.integer({ max: 86_400 })({
    reloadable: true,
    shortdesc: "Seconds of graceful shutdown before destroy",
    longdesc:
      "How long stop waits for the guest to shut down cleanly before destroying it, in seconds. " +
      "Unset: two thirds of the stop operation's timeout. 0: destroy at once.",
  }),
  shutdown_acpi: param.boolean({
    default: false,
    reloadable: true,
    shortdesc: "Shut down with an ACPI power button event",
    longdesc:
      "Send an ACPI power button event (xl trigger DOMAIN power) instead of a PV shutdown request, " +
      "for HVM guests without PV drivers.",
  }),
  allow_mem_management: param.boolean({
    default: false,
    reloadable: true,
    shortdesc: "Balloon other domains to make room on start",
    longdesc:
      "Before start, if the host lacks free memory for this domain, shrink the other running guests " +
      "(xl mem-set) by what is missing, each in proportion to what it can spare and never below half " +
      "of its maximum memory or 256 MiB. Nothing changes when they cannot spare enough together, and " +
      "configuration files are never edited. Without it, start fails at once with the figures.",
  }),
  reserved_Dom0_memory: param.integer({ max: 1 << 24 })({
    default: 512,
    reloadable: true,
    shortdesc: "MiB Domain-0 keeps when xl balloons it",
    longdesc:
      "When Xen runs without dom0_mem= on its command line, xl shrinks Domain-0 to make room for a new " +
      "guest; start's memory check then counts only Domain-0's memory above this many MiB as available.",
  }),
  monitor_scripts: param.string({
    reloadable: true,
    shortdesc: "Commands that check the service inside the domain",
    longdesc:
      "Space-separated list of executables run on every monitor of a running domain (and before start " +
      "returns). Each runs without a shell, with OCF_RESKEY_name set; a non-zero exit makes monitor fail.",
    check: monitorScriptsProblem,
  }),
  monitor_scripts_timeout: param.integer({ min: 1, max: 3_600 })({
    default: 10,
    reloadable: true,
    shortdesc: "Seconds each monitor script may run",
    longdesc: "Per-script time limit; a script that runs longer is killed and counts as a failure.",
  }),
  autoset_utilization_cpu: param.boolean({
    default: false,
    reloadable: true,
    shortdesc: "Set the resource's cpu utilization from the domain's VCPUs",
    longdesc: "On each monitor, write utilization cpu = the domain's VCPUs when it changed.",
  }),
  autoset_utilization_hv_memory: param.boolean({
    default: false,
    reloadable: true,
    shortdesc: "Set the resource's hv_memory utilization from the domain's memory",
    longdesc: "On each monitor, write utilization hv_memory = the domain's maximum memory in MiB when it changed.",
  }),
  node_ip_attribute: param.string({
    reloadable: true,
    namesNodeAttribute: true,
    shortdesc: "Node attribute holding the migration address",
    longdesc:
      "Name of a node attribute that holds the address to migrate to (read with crm_attribute on migrate_to). " +
      "Unset: migration_addresses or migration_network_suffix if set, else the target's node name.",
    check: attributeNameProblem,
  }),
  toolstack: param.select(["auto", "xl", "xm"])({
    default: "auto",
    shortdesc: "Xen toolstack to drive",
    longdesc: "xl (Xen 4.x), xm (legacy Xen 3 and xend), or auto: xl when installed, otherwise xm.",
  }),
  force_stop: param.boolean({
    default: false,
    reloadable: true,
    shortdesc: "Destroy on stop, without a graceful shutdown",
    longdesc: "Stop destroys the domain at once instead of asking the guest to shut down first.",
  }),
  ...migrateParams,
  ...leaseParams,
};

export type XenDomainParams = typeof xenDomainParams;
