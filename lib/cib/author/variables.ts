import { hostProblem, shown, splitList } from "../../ocf/checks.ts";
import type { AnyParam, Decoded, Param } from "../../ocf/params.ts";

/**
 * Template variables are agent-style parameter declarations (lib/ocf/params.ts)
 * plus lists, which templates need for nodes and domains. A list is declared
 * like any parameter; its items are decoded once, at the edge, into typed values.
 */
export interface VariableExtras {
  /** How a value is written, for `xen-ha cib templates` (e.g. "NAME[:MEMORY_MiB],..."). */
  readonly syntax?: string;
  /** The default as an admin would type it (lists keep their text form). */
  readonly defaultRaw?: string;
}

export type TemplateVariable = AnyParam & VariableExtras;

const ok = <T>(value: T): Decoded<T> => ({ ok: true, value });
const bad = <T>(problem: string): Decoded<T> => ({ ok: false, problem });

export interface ListDocs {
  readonly shortdesc: string;
  readonly longdesc?: string;
  /** Comma-separated text; "" for an empty list. Omit to make the list required. */
  readonly default?: string;
  readonly min?: number;
  readonly max?: number;
  readonly syntax?: string;
}

/** A comma-separated list variable whose items decode with `decodeItem`. */
export const listOf =
  <T>(decodeItem: (raw: string) => Decoded<T>) =>
  (docs: ListDocs): Param<readonly T[]> & VariableExtras => {
    const decode = (raw: string): Decoded<readonly T[]> => {
      const items = splitList(raw);
      if (!items) return bad(`${shown(raw)} has an empty item (separate items with single commas)`);
      const values: T[] = [];
      for (const item of items) {
        const decoded = decodeItem(item);
        if (!decoded.ok) return bad(decoded.problem);
        values.push(decoded.value);
      }
      if (docs.min !== undefined && values.length < docs.min) return bad(`needs at least ${docs.min} items, got ${values.length}`);
      if (docs.max !== undefined && values.length > docs.max) return bad(`takes at most ${docs.max} items, got ${values.length}`);
      return ok(values);
    };
    let defaultValue: readonly T[] | undefined;
    if (docs.default !== undefined) {
      const decoded = decode(docs.default);
      if (!decoded.ok) throw new Error(`list default '${docs.default}' does not decode: ${decoded.problem}`);
      defaultValue = decoded.value;
    }
    return {
      kind: "string",
      shortdesc: docs.shortdesc,
      ...(docs.longdesc !== undefined ? { longdesc: docs.longdesc } : {}),
      required: docs.default === undefined,
      default: defaultValue,
      decode,
      ...(docs.syntax !== undefined ? { syntax: docs.syntax } : {}),
      ...(docs.default !== undefined ? { defaultRaw: docs.default } : {}),
    };
  };

/** A cluster node (host) name, an IPv4/IPv6 address or a host name: the one rule of lib/ocf/checks.ts. */
export function decodeHost(raw: string): Decoded<string> {
  const problem = hostProblem(raw);
  return problem ? bad(problem) : ok(raw);
}

export const hostList = listOf(decodeHost);
export const addressList = listOf(decodeHost);
