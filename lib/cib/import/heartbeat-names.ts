/**
 * The Heartbeat 2.0/2.1 names (CIB "0.6", crm.dtd) and what each means in
 * Pacemaker 2.1. Two upstream stylesheets did this in two steps, and the
 * tables below are their composition (doc/cib.md §1.4):
 * - Pacemaker 1.0's upgrade06.xsl: underscores become dashes, op `prereq`
 *   becomes op `requires`;
 * - Pacemaker 2.0's upgrade-2.10.xsl (installed as
 *   /usr/share/pacemaker/upgrade-2.10.xsl): cluster options the 3.0 schema
 *   forbids move to rsc_defaults/op_defaults or are dropped, and an op's
 *   `requires` counts only on start and promote and becomes the resource's.
 * Here only the start op's counts: a promote op's, made resource-wide, would
 * also decide when the resource starts, which Heartbeat never let it do.
 */

/** Where a cluster option goes, keyed by its dashed spelling (Heartbeat 2.1 wrote both). */
export type OptionFate =
  | { readonly to: "crm_config" | "rsc_defaults" | "op_defaults"; readonly name: string }
  | { readonly drop: string };

/** Options whose name or section changed (upgrade-2.10.xsl, table "cluster-properties"). */
export const OPTION_FATES: Readonly<Record<string, OptionFate>> = {
  "transition-idle-timeout": { to: "crm_config", name: "cluster-delay" },
  "default-resource-stickiness": { to: "rsc_defaults", name: "resource-stickiness" },
  "is-managed-default": { to: "rsc_defaults", name: "is-managed" },
  "default-action-timeout": { to: "op_defaults", name: "timeout" },
  // Pacemaker drops it; the same meaning is migration-threshold in rsc_defaults.
  "default-migration-threshold": { to: "rsc_defaults", name: "migration-threshold" },
  "cluster-infrastructure": { drop: "the cluster layer (corosync) sets it itself" },
  "expected-quorum-votes": { drop: "corosync counts the quorum votes itself" },
  "notification-agent": { drop: "configure an <alerts> section instead" },
  "notification-recipient": { drop: "configure an <alerts> section instead" },
  "dc-version": { drop: "the DC writes its own version" },
  "last-lrm-refresh": { drop: "the cluster maintains it" },
  "have-watchdog": { drop: "the cluster maintains it" },
};

/**
 * Every cluster option Pacemaker 2.1.5 knows (the metadata of
 * pacemaker-schedulerd, pacemaker-controld and pacemaker-based); an option
 * outside this list does nothing there, so it is dropped with a note.
 */
export const PACEMAKER_CLUSTER_OPTIONS: ReadonlySet<string> = new Set([
  // pacemaker-schedulerd metadata
  "batch-limit", "cluster-delay", "concurrent-fencing", "enable-startup-probes", "have-watchdog", "maintenance-mode",
  "migration-limit", "no-quorum-policy", "node-health-base", "node-health-green", "node-health-red", "node-health-strategy",
  "node-health-yellow", "pe-error-series-max", "pe-input-series-max", "pe-warn-series-max", "placement-strategy",
  "priority-fencing-delay", "remove-after-stop", "shutdown-lock", "shutdown-lock-limit", "start-failure-is-fatal",
  "startup-fencing", "stonith-action", "stonith-enabled", "stonith-timeout", "stop-all-resources", "stop-orphan-actions",
  "stop-orphan-resources", "symmetric-cluster",
  // pacemaker-controld metadata
  "cluster-infrastructure", "cluster-name", "cluster-recheck-interval", "dc-deadtime", "dc-version", "election-timeout",
  "fence-reaction", "join-finalization-timeout", "join-integration-timeout", "load-threshold", "node-action-limit",
  "shutdown-escalation", "stonith-max-attempts", "stonith-watchdog-timeout", "transition-delay",
  // pacemaker-based metadata
  "cluster-ipc-limit", "enable-acl",
]);

/**
 * Failure stickiness (cluster default or per resource) is gone. Only its
 * "-INFINITY: leave at the first failure" reading has a successor,
 * migration-threshold=1 (upgrade-2.10.xsl); any other value is dropped.
 */
export const failureStickinessSuccessor = (value: string): readonly [string, string] | undefined =>
  value.trim().toUpperCase() === "-INFINITY" ? ["migration-threshold", "1"] : undefined;

export const FAILURE_STICKINESS_ADVICE = "failure stickiness is gone; set migration-threshold (failures before the resource moves) instead";

/** Meta options Heartbeat also accepted as instance attributes (upgrade06.xsl's list). */
export const META_FROM_INSTANCE = new Set([
  "resource_stickiness",
  "resource_failure_stickiness",
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

/** Resource meta options with no successor at all, and why. */
export const META_DROPPED: Readonly<Record<string, string>> = {
  "restart-type": "Pacemaker restarts dependent resources as their constraints say; there is no restart_type",
};

/** Primitive XML attributes that are identity, not meta options. */
export const IDENTITY_ATTRIBUTES = new Set(["id", "class", "provider", "type", "description"]);

/** Meta names that changed beyond underscore -> dash (the promotable clone counts). */
export const metaName = (name: string, promotedMax: string, promotedNodeMax: string): string =>
  name === "master_max" ? promotedMax : name === "master_node_max" ? promotedNodeMax : name.replace(/_/g, "-");

/** Op attributes renamed by underscore -> dash; `disabled`, `prereq` and `role` are handled apart. */
export const OP_RENAMES: Readonly<Record<string, string>> = { on_fail: "on-fail", start_delay: "start-delay" };

/** The one op whose `prereq` means the resource's `requires`: the others' are dropped (see the module comment). */
export const REQUIRES_FROM_OP = "start";

/** Rule attributes. */
export const RULE_RENAMES: Readonly<Record<string, string>> = { boolean_op: "boolean-op", score_attribute: "score-attribute" };

/** Root attributes that described a running cluster; a converted configuration drops them. */
export const ROOT_KEPT = ["admin_epoch", "epoch", "num_updates"];
