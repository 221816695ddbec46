import { xenDomainParams } from "../../../agents/xen-domain/params.ts";
import { decodeValues } from "../../../lib/ocf/params.ts";

/**
 * Inputs nobody designed for, shared by the in-process hostile-input suite
 * and its run through the installed agent. Each value has a short label for
 * test titles (the values themselves may be a megabyte or hold a NUL).
 */
export interface HostileValue {
  readonly label: string;
  readonly value: string;
}

const MEGABYTE = "x".repeat(1 << 20);

export const HOSTILE_VALUES: readonly HostileValue[] = [
  { label: "-h", value: "-h" },
  { label: "--help", value: "--help" },
  { label: "-oProxyCommand", value: "-oProxyCommand=touch /tmp/xen-ha-pwned" },
  { label: "leading space", value: " vm1" },
  { label: "trailing space", value: "vm1 " },
  { label: "double quotes", value: '"vm1"' },
  { label: "single quotes", value: "'vm1'" },
  { label: "newline", value: "vm1\nocf-exit-reason:forged" },
  { label: "NUL", value: "vm1\u0000x" },
  { label: "1 MB", value: MEGABYTE },
  // what Node makes of bytes that are not UTF-8 (0xff) in the environment; the installed run sends real bytes
  { label: "non-UTF-8", value: "vm\ufffd1" },
  { label: "lone surrogate", value: "vm\ud8001" },
  { label: "Domain-0", value: "Domain-0" },
  { label: "domain-0", value: "domain-0" },
  { label: "DOMAIN-0", value: "DOMAIN-0" },
  { label: "shell", value: "$(touch /tmp/xen-ha-pwned);`id`|x&" },
];

export interface HostileCase {
  readonly param: string;
  readonly label: string;
  readonly value: string;
}

export interface ParamShape {
  readonly name: string;
  /** Free text: every value is tried. Otherwise (numbers, booleans, choices) a seeded few. */
  readonly text: boolean;
  /** Takes an absolute path: each value is also tried after a '/', to get past "not absolute". */
  readonly path: boolean;
}

/**
 * The cases for these parameters: every value in every text parameter (and
 * after a '/' in path parameters), `others` seeded values in the rest.
 */
export function hostileCases(params: readonly ParamShape[], values: readonly HostileValue[], random: () => number, others = 4): HostileCase[] {
  return params.flatMap((p) => {
    const chosen = p.text ? values : seededSample(values, others, random);
    const all = p.path ? [...chosen, ...chosen.map((v) => ({ label: `/${v.label}`, value: `/${v.value}` }))] : chosen;
    return all.map((v) => ({ param: p.name, label: v.label, value: v.value }));
  });
}

/** Whether XenDomain's declaration accepts `value` for `param` (every other parameter unset but the required xmfile). */
export const accepts = (param: string, value: string): boolean =>
  decodeValues(xenDomainParams, (name) => (name === param ? value : name === "xmfile" ? "/etc/xen/vm1.cfg" : undefined)).ok;

/** XenDomain's parameters as the hostile cases see them, straight from the declaration. */
export const XEN_DOMAIN_SHAPES: readonly ParamShape[] = Object.entries(xenDomainParams).map(([name, p]) => ({
  name,
  text: p.kind === "string",
  path: !accepts(name, "relative") && accepts(name, "/absolute"),
}));

/** `n` of `items`, chosen by `random` (a seeded generator: the same seed, the same sample). */
export const seededSample = <T>(items: readonly T[], n: number, random: () => number): T[] =>
  items
    .map((item) => ({ item, order: random() }))
    .sort((a, b) => a.order - b.order)
    .slice(0, n)
    .map(({ item }) => item);

/** Every option word XenDomain itself passes to a tool on these actions (xl list -l, xl shutdown -F, xl list -v). */
export const OPTIONS_XEN_HA_PASSES: ReadonlySet<string> = new Set(["-l", "-F", "-v"]);
