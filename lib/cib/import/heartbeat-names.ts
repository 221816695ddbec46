/**
 * The Heartbeat 2.0 (CIB "0.6", crm.dtd) names and their Pacemaker >= 1.0
 * successors (doc/cib.md §1.4; Pacemaker 1.1's upgrade06.xsl).
 */

/** Cluster options renamed by more than underscore -> dash, or moved to rsc_defaults. */
export const OPTION_RENAMES: Readonly<Record<string, { readonly section: "crm_config" | "rsc_defaults"; readonly name: string }>> = {
  transition_idle_timeout: { section: "crm_config", name: "cluster-delay" },
  default_resource_stickiness: { section: "rsc_defaults", name: "resource-stickiness" },
  is_managed_default: { section: "rsc_defaults", name: "is-managed" },
};

/** Options with no successor: dropped, with the advice given to the admin. */
export const OPTION_DROPPED: Readonly<Record<string, string>> = {
  default_resource_failure_stickiness: "failure stickiness is gone; set migration-threshold in rsc_defaults instead",
};

/** Meta options Heartbeat also accepted as instance attributes (upgrade06.xsl's list). */
export const META_FROM_INSTANCE = new Set([
  "resource_stickiness",
  "allow_migrate",
  "globally_unique",
  "target_role",
  "clone_max",
  "clone_node_max",
  "master_max",
  "master_node_max",
  "notify",
  "ordered",
  "interleave",
  "is_managed",
  "migration_threshold",
]);

/** Primitive XML attributes that are meta options, not identity. */
export const IDENTITY_ATTRIBUTES = new Set(["id", "class", "provider", "type", "description"]);

/** Meta names that changed beyond underscore -> dash (the promotable clone counts). */
export const metaName = (name: string, promotedMax: string, promotedNodeMax: string): string =>
  name === "master_max" ? promotedMax : name === "master_node_max" ? promotedNodeMax : name.replace(/_/g, "-");

/** Op attributes renamed by underscore -> dash; `disabled` and `prereq` are handled apart. */
export const OP_RENAMES: Readonly<Record<string, string>> = { on_fail: "on-fail", start_delay: "start-delay" };

/** Rule attributes. */
export const RULE_RENAMES: Readonly<Record<string, string>> = { boolean_op: "boolean-op", score_attribute: "score-attribute" };

/** Root attributes that described a running cluster; a converted configuration drops them. */
export const ROOT_KEPT = ["admin_epoch", "epoch", "num_updates"];
