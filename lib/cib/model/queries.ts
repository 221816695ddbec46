import { isTrue } from "../../ocf/checks.ts";
import type { Cib, ConstraintDef, ContainerDef, NvPair, PrimitiveDef } from "./model.ts";

/** Questions asked of a read CIB, answered as Pacemaker would resolve them. */
/** The last value of a name in a list of pairs (later sets win, as for duplicate names). */
export const pairValue = (pairs: readonly NvPair[], name: string): string | undefined =>
  pairs.filter((pair) => pair.name === name).at(-1)?.value;

export const property = (cib: Cib, name: string): string | undefined => pairValue(cib.properties, name);

/** Pacemaker's truth set, as every part of xen-ha reads it. */
export { isTrue };

/** A resource's meta attribute as Pacemaker resolves it: own, then its containers', then rsc_defaults. */
export function metaValue(cib: Cib, primitive: PrimitiveDef, name: string): string | undefined {
  const own = pairValue(primitive.meta, name);
  if (own !== undefined) return own;
  for (let parent = primitive.parent; parent !== undefined; ) {
    const container = cib.containers.find((c) => c.id === parent);
    const value = container && pairValue(container.meta, name);
    if (value !== undefined) return value;
    parent = container?.parent;
  }
  return pairValue(cib.rscDefaults, name);
}

export const findContainer = (cib: Cib, id: string): ContainerDef | undefined => cib.containers.find((c) => c.id === id);
export const findPrimitive = (cib: Cib, id: string): PrimitiveDef | undefined => cib.primitives.find((p) => p.id === id);

/** Clones and masters that are promotable, with how many instances may be promoted. */
export function promotedMax(container: ContainerDef): number | undefined {
  const promotable = container.kind === "master" || isTrue(pairValue(container.meta, "promotable"));
  if (!promotable) return undefined;
  return Number(pairValue(container.meta, "promoted-max") ?? pairValue(container.meta, "master-max") ?? "1");
}

/** The resource id a constraint would name for this primitive: the primitive or its outermost container. */
export function constraintTargets(cib: Cib, primitive: PrimitiveDef): string[] {
  const ids = [primitive.id];
  for (let parent = primitive.parent; parent !== undefined; parent = findContainer(cib, parent)?.parent) ids.push(parent);
  return ids;
}

// Per CIB (never changed once read) and "kind attribute": each resource's constraints of that kind naming it there.
const constraintIndexes = new WeakMap<Cib, Map<string, Map<string, ConstraintDef[]>>>();

/**
 * The constraints of `kind` whose `attribute` (rsc, with-rsc, first, then)
 * names one of `ids`, in document order. Indexed once per CIB, so a rule
 * asking this for every domain is not a scan of every constraint each time.
 */
export function constraintsNaming(cib: Cib, kind: ConstraintDef["kind"], attribute: string, ids: readonly string[]): readonly ConstraintDef[] {
  let byKey = constraintIndexes.get(cib);
  if (!byKey) constraintIndexes.set(cib, (byKey = new Map()));
  const key = `${kind} ${attribute}`;
  let index = byKey.get(key);
  if (!index) {
    index = new Map();
    for (const constraint of cib.constraints) {
      // A missing attribute is indexed as "", as a comparison with `?? ""` would match it.
      const id = constraint.attributes[attribute] ?? "";
      if (constraint.kind !== kind) continue;
      const list = index.get(id);
      if (list) list.push(constraint);
      else index.set(id, [constraint]);
    }
    byKey.set(key, index);
  }
  const lists = [...new Set(ids)].map((id) => index.get(id) ?? []).filter((list) => list.length > 0);
  if (lists.length <= 1) return lists[0] ?? [];
  const position = new Map(cib.constraints.map((c, i) => [c, i]));
  return lists.flat().sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
}
