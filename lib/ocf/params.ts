import { booleanOf, shown } from "./checks.ts";

/**
 * One declaration per parameter. From it come the meta-data XML, the
 * OCF_RESKEY_* decoding, validation, usage text, the fence agent's stdin
 * options and the CIB checks: a parameter is never described twice.
 */
export type ParamKind = "string" | "integer" | "boolean" | "select";

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };
const ok = <T>(value: T): Decoded<T> => ({ ok: true, value });
const bad = <T>(problem: string): Decoded<T> => ({ ok: false, problem });

export interface ParamDocs {
  readonly shortdesc: string;
  readonly longdesc?: string;
  /** OCF 1.0 unique="1"; in OCF 1.1 meta-data it becomes unique-group named after the parameter. */
  readonly unique?: boolean;
  /** OCF 1.1 unique-group: parameters of one group must not all be equal on two resources. */
  readonly uniqueGroup?: string;
  /** Changed by reload-agent without a restart (OCF 1.1 only). */
  readonly reloadable?: boolean;
  /** Pacemaker keeps private parameters out of digests and logs. */
  readonly private?: boolean;
  /** Extra check on the decoded value; returns a problem text or undefined. */
  readonly check?: (value: never) => string | undefined;
  /** Alternative names accepted on input (fence agents' obsoletes, e.g. port for plug). */
  readonly aliases?: readonly string[];
  /** The value names a node attribute the agent reads on the node (xen-ha cib check looks for it). */
  readonly namesNodeAttribute?: boolean;
}

/** Either required, or optional with or without a default, never both. */
type Presence<T> =
  | { readonly required: true; readonly default?: never }
  | { readonly required?: false; readonly default?: T };

export interface Param<V> extends Omit<ParamDocs, "check"> {
  readonly kind: ParamKind;
  readonly required: boolean;
  readonly default: V | undefined;
  readonly choices?: readonly string[];
  readonly decode: (raw: string) => Decoded<V>;
  readonly check?: (value: V) => string | undefined;
  /** A fence agent's value that names plugs (as Pacemaker passes them): xen-ha cib check looks each up among the device's. */
  readonly plugsNamed?: (value: V) => readonly string[];
}

/** The value type a handler sees: `T | undefined` only when it can really be absent. */
type ValueOf<T, O> = O extends { required: true } ? T : O extends { default: T } ? T : T | undefined;

/** Pacemaker's truth words, exactly (checks.ts): " true" is a typo to report, not true. */
function decodeBoolean(raw: string): Decoded<boolean> {
  const value = booleanOf(raw);
  return value === undefined ? bad(`${shown(raw)} is not a boolean (use true or false)`) : ok(value);
}

function decodeInteger(min: number, max: number) {
  return (raw: string): Decoded<number> => {
    if (!/^-?\d+$/.test(raw.trim())) return bad(`${shown(raw)} is not a whole number`);
    const value = Number(raw.trim());
    if (value < min || value > max) return bad(`${shown(raw)} is out of range (${min} to ${max})`);
    return ok(value);
  };
}

const builder =
  <T>(kind: ParamKind, decode: (raw: string) => Decoded<T>, choices?: readonly string[]) =>
  <const O extends Omit<ParamDocs, "check"> & Presence<T> & { readonly check?: (value: T) => string | undefined }>(
    options: O,
  ): Param<ValueOf<T, O>> =>
    ({
      ...options,
      kind,
      decode,
      required: options.required === true,
      default: options.default,
      ...(choices ? { choices } : {}),
    }) as unknown as Param<ValueOf<T, O>>;
// ^ the cast the conditional type needs: T and ValueOf<T, O> differ only by `undefined`

export const param = {
  string: builder<string>("string", (raw) => ok(raw)),
  boolean: builder<boolean>("boolean", decodeBoolean),
  integer: (range: { readonly min?: number; readonly max?: number } = {}) =>
    builder<number>("integer", decodeInteger(range.min ?? 0, range.max ?? Number.MAX_SAFE_INTEGER)),
  select: <const C extends readonly [string, ...string[]]>(choices: C) =>
    builder<C[number]>(
      "select",
      (raw) =>
        (choices as readonly string[]).includes(raw)
          ? ok(raw as C[number])
          : bad(`${shown(raw)} is not one of ${choices.join(", ")}`),
      choices,
    ),
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyParam = Param<any>;
export type Params = Readonly<Record<string, AnyParam>>;

export type ParamValues<P extends Params> = {
  readonly [K in keyof P]: P[K] extends Param<infer T> ? T : never;
};

export type DecodeResult<P extends Params> =
  | { readonly ok: true; readonly values: ParamValues<P> }
  | { readonly ok: false; readonly problems: readonly string[] };

/** The text form of a default, as meta-data and usage print it. */
export function defaultText(p: AnyParam): string | undefined {
  if (p.default === undefined) return undefined;
  return typeof p.default === "boolean" ? (p.default ? "true" : "false") : String(p.default);
}

/**
 * Decodes raw values by parameter name (already stripped of any OCF_RESKEY_
 * prefix). An empty string counts as unset, as `${OCF_RESKEY_x:-default}` does
 * in shell agents. Every problem is reported, not only the first.
 */
export function decodeValues<P extends Params>(
  params: P,
  raw: (name: string) => string | undefined,
): DecodeResult<P> {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(params)) {
    const names = [name, ...(p.aliases ?? [])];
    const text = names.map(raw).find((v) => v !== undefined && v !== "");
    if (text === undefined) {
      if (p.required) problems.push(`${name}: required parameter is not set`);
      values[name] = p.default;
      continue;
    }
    const decoded = p.decode(text);
    if (!decoded.ok) {
      problems.push(`${name}: ${decoded.problem}`);
      continue;
    }
    const problem = p.check?.(decoded.value);
    if (problem) problems.push(`${name}: ${problem}`);
    values[name] = decoded.value;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values: values as ParamValues<P> };
}

/** OCF_RESKEY_<name> decoding from an agent's environment. */
export function decodeParams<P extends Params>(
  params: P,
  env: Readonly<Record<string, string | undefined>>,
): DecodeResult<P> {
  return decodeValues(params, (name) => env[`OCF_RESKEY_${name}`]);
}

/** Plain-text usage for every parameter, for `usage` and `--help`. */
export function describeParams(params: Params): string {
  return Object.entries(params)
    .map(([name, p]) => {
      const facts = [
        p.kind === "select" ? (p.choices ?? []).join("|") : p.kind,
        p.required ? "required" : undefined,
        defaultText(p) !== undefined ? `default ${defaultText(p)}` : undefined,
        p.reloadable ? "reloadable" : undefined,
      ].filter(Boolean);
      return `  ${name} (${facts.join(", ")})\n      ${p.shortdesc}\n`;
    })
    .join("");
}
