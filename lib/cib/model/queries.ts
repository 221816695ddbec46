import { isTrue } from "../../ocf/checks.ts";
import type { Cib, ContainerDef, NvPair, PrimitiveDef } from "./model.ts";

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
