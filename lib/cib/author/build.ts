import { xml, type Xml } from "../../xml/xml.ts";
import { makeId } from "../model/ids.ts";
import type { SchemaProfile } from "../model/schema.ts";

/**
 * Builders for the CIB elements templates use. Ids follow the pcs/crmsh
 * conventions (`<rsc>-instance_attributes`, `<set>-<name>`), so every id
 * derives from a resource or constraint id and stays unique when those are.
 */
export type Pairs = Readonly<Record<string, string | number | boolean | undefined>>;

const text = (value: string | number | boolean): string =>
  typeof value === "boolean" ? (value ? "true" : "false") : String(value);

/** An nvpair set (instance_attributes, meta_attributes, utilization, ...); nothing when empty. */
export function nvset(tag: string, id: string, pairs: Pairs | undefined): Xml {
  const defined = Object.entries(pairs ?? {}).filter((entry): entry is [string, string | number | boolean] =>
    entry[1] !== undefined,
  );
  if (defined.length === 0) return xml``;
  return xml`<${tag} id="${id}">${defined.map(
    ([name, value]) => xml`<nvpair id="${makeId(id, name)}" name="${name}" value="${text(value)}"/>`,
  )}</${tag}>`;
}

export interface OpSpec {
  readonly name: string;
  /** "0" for one-shot operations. */
  readonly interval: string;
  readonly timeout: string;
  readonly role?: string;
}

export interface PrimitiveSpec {
  readonly id: string;
  /** "ocf:xen-ha:XenDomain", "stonith:fence_ipmilan", ... */
  readonly agent: string;
  readonly params?: Pairs;
  readonly meta?: Pairs;
  readonly utilization?: Pairs;
  readonly ops?: readonly OpSpec[];
}

export function primitive(spec: PrimitiveSpec): Xml {
  const [cls = "", second = "", third] = spec.agent.split(":");
  const [provider, type] = third === undefined ? [undefined, second] : [second, third];
  const ops = spec.ops ?? [];
  return xml`<primitive id="${spec.id}" class="${cls}"${provider ? xml` provider="${provider}"` : ""} type="${type}">${[
    nvset("instance_attributes", makeId(spec.id, "instance_attributes"), spec.params),
    nvset("meta_attributes", makeId(spec.id, "meta_attributes"), spec.meta),
    nvset("utilization", makeId(spec.id, "utilization"), spec.utilization),
    ops.length === 0
      ? ""
      : xml`<operations>${ops.map(
          (op) =>
            xml`<op id="${makeId(spec.id, op.name, "interval", op.interval, ...(op.role ? [op.role] : []))}" name="${op.name}" interval="${op.interval}" timeout="${op.timeout}"${op.role ? xml` role="${op.role}"` : ""}/>`,
        )}</operations>`,
  ]}</primitive>`;
}

/** A clone of one primitive; `interleave` so dependants wait only for the local instance. */
export function clone(id: string, child: Xml, meta: Pairs = {}): Xml {
  return xml`<clone id="${id}">${nvset("meta_attributes", makeId(id, "meta_attributes"), { interleave: true, ...meta })}${child}</clone>`;
}

/** A promotable clone, spelled as the target schema wants it. */
export function promotableClone(
  profile: SchemaProfile,
  spec: { readonly id: string; readonly child: Xml; readonly promoted: number; readonly instances: number; readonly meta?: Pairs },
): Xml {
  const meta: Pairs = {
    ...(profile.promotableElement === "clone" ? { promotable: true } : {}),
    [profile.promotedMax]: spec.promoted,
    [profile.promotedNodeMax]: 1,
    "clone-max": spec.instances,
    "clone-node-max": 1,
    notify: true,
    interleave: true,
    ...spec.meta,
  };
  const tag = profile.promotableElement;
  return xml`<${tag} id="${spec.id}">${nvset("meta_attributes", makeId(spec.id, "meta_attributes"), meta)}${spec.child}</${tag}>`;
}

export const location = (id: string, rsc: string, node: string, score: string | number): Xml =>
  xml`<rsc_location id="${id}" rsc="${rsc}" node="${node}" score="${String(score)}"/>`;

export interface Expression {
  readonly attribute: string;
  readonly operation: string;
  readonly value?: string;
  readonly type?: "number" | "string" | "version";
}

/** A location rule: score applies where the expressions hold (joined by boolean-op). */
export function locationRule(
  id: string,
  rsc: string,
  rule: { readonly score: string | number; readonly booleanOp?: "and" | "or"; readonly expressions: readonly Expression[] },
): Xml {
  const ruleId = makeId(id, "rule");
  return xml`<rsc_location id="${id}" rsc="${rsc}"><rule id="${ruleId}" score="${String(rule.score)}"${
    rule.booleanOp ? xml` boolean-op="${rule.booleanOp}"` : ""
  }>${rule.expressions.map(
    (e, i) =>
      xml`<expression id="${makeId(ruleId, "expr", i + 1)}" attribute="${e.attribute}" operation="${e.operation}"${
        e.value !== undefined ? xml` value="${e.value}"` : ""
      }${e.type ? xml` type="${e.type}"` : ""}/>`,
  )}</rule></rsc_location>`;
}

export function colocation(spec: {
  readonly id: string;
  readonly rsc: string;
  readonly withRsc: string;
  readonly score: string | number;
  readonly withRscRole?: string;
}): Xml {
  return xml`<rsc_colocation id="${spec.id}" rsc="${spec.rsc}" with-rsc="${spec.withRsc}"${
    spec.withRscRole ? xml` with-rsc-role="${spec.withRscRole}"` : ""
  } score="${String(spec.score)}"/>`;
}

export function order(spec: {
  readonly id: string;
  readonly first: string;
  readonly then: string;
  readonly firstAction?: string;
  readonly thenAction?: string;
  readonly kind?: "Mandatory" | "Optional" | "Serialize";
  readonly symmetrical?: boolean;
}): Xml {
  return xml`<rsc_order id="${spec.id}" first="${spec.first}"${
    spec.firstAction ? xml` first-action="${spec.firstAction}"` : ""
  } then="${spec.then}"${spec.thenAction ? xml` then-action="${spec.thenAction}"` : ""} kind="${spec.kind ?? "Mandatory"}"${
    spec.symmetrical === undefined ? "" : xml` symmetrical="${text(spec.symmetrical)}"`
  }/>`;
}
