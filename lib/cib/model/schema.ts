/**
 * The Pacemaker schemas a rendered CIB can target. What differs between them
 * is stated here once; templates ask the profile instead of testing versions.
 *
 * pacemaker-3.0 is the default: Pacemaker 2.0.0 to 2.1.x accept it, and the
 * Master/Slave role names validate everywhere (doc/cib.md §1.1).
 * pacemaker-3.7 (2.1.0+) spells the roles Promoted/Unpromoted.
 * pacemaker-1.2 (Pacemaker 1.1) has no promotable clones: it needs <master>
 * and the master-max names.
 */
export interface SchemaProfile {
  readonly validateWith: string;
  readonly promotedRole: "Master" | "Promoted";
  readonly unpromotedRole: "Slave" | "Unpromoted";
  /** `clone` with meta promotable=true, or the Pacemaker 1.x `master` element. */
  readonly promotableElement: "clone" | "master";
  readonly promotedMax: "promoted-max" | "master-max";
  readonly promotedNodeMax: "promoted-node-max" | "master-node-max";
}

export const SCHEMA_PROFILES = {
  "pacemaker-3.0": {
    validateWith: "pacemaker-3.0",
    promotedRole: "Master",
    unpromotedRole: "Slave",
    promotableElement: "clone",
    promotedMax: "promoted-max",
    promotedNodeMax: "promoted-node-max",
  },
  "pacemaker-3.7": {
    validateWith: "pacemaker-3.7",
    promotedRole: "Promoted",
    unpromotedRole: "Unpromoted",
    promotableElement: "clone",
    promotedMax: "promoted-max",
    promotedNodeMax: "promoted-node-max",
  },
  "pacemaker-1.2": {
    validateWith: "pacemaker-1.2",
    promotedRole: "Master",
    unpromotedRole: "Slave",
    promotableElement: "master",
    promotedMax: "master-max",
    promotedNodeMax: "master-node-max",
  },
} as const satisfies Record<string, SchemaProfile>;

export type SchemaName = keyof typeof SCHEMA_PROFILES;
export const DEFAULT_SCHEMA: SchemaName = "pacemaker-3.0";
export const SCHEMA_NAMES = Object.keys(SCHEMA_PROFILES) as SchemaName[];

export const isSchemaName = (name: string): name is SchemaName => name in SCHEMA_PROFILES;
