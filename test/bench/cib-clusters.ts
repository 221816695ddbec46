/**
 * The clusters the CIB benchmark renders, shared with the plan-equivalence
 * script (cib-equivalence.ts) so both measure and compare the same inputs.
 * Seeded: every run renders the same text.
 */
import { seededRandom } from "../support/seeded-random.ts";

/** The easy case: n-plus-n, 1 GiB domains, one priority in ten at 10, room on the survivors for one failed host's share. */
export function easyValues(nodes: number, domains: number): Record<string, string> {
  const hosts = Array.from({ length: nodes }, (_, i) => `xen${String(i + 1).padStart(2, "0")}`);
  const perHost = Math.ceil(domains / (nodes - 1));
  return {
    nodes: hosts.join(","),
    ipmi_addresses: hosts.map((_, i) => `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`).join(","),
    domains: Array.from({ length: domains }, (_, i) => `vm${i}:1024:1:${i % 10 === 0 ? 10 : 0}`).join(","),
    node_memory: String((perHost + 1) * 1024),
    node_cpus: String(perHost + 1),
  };
}

/**
 * The hard case: n-plus-m with three spares, domains of mixed sizes (512 MiB-8 GiB, 1-4 vCPUs) and
 * priorities (0, 5, 10), one domain in four kept apart from others (separate= pairs and triples),
 * hosts sized for ~77% load.
 */
export function hardValues(nodes: number, domains: number): Record<string, string> {
  const random = seededRandom(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const hosts = Array.from({ length: nodes }, (_, i) => `xen${String(i + 1).padStart(2, "0")}`);
  const active = hosts.slice(0, nodes - 3);
  const names = Array.from({ length: domains }, (_, i) => `vm${i}`);
  const sizes = names.map(() => [pick([512, 1024, 2048, 4096, 8192]), pick([1, 2, 4])] as const);
  const memory = sizes.reduce((sum, [m]) => sum + m, 0);
  const cpus = sizes.reduce((sum, [, c]) => sum + c, 0);
  return {
    nodes: active.join(","),
    spares: hosts.slice(active.length).join(","),
    ipmi_addresses: hosts.map((_, i) => `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`).join(","),
    domains: names.map((name, i) => `${name}:${sizes[i]?.[0] ?? 1024}:${sizes[i]?.[1] ?? 1}:${pick([0, 0, 5, 10])}`).join(","),
    separate: Array.from({ length: Math.floor(domains / 10) }, (_, g) => names.slice(g * 10, g * 10 + pick([2, 3])).join("+")).join(","),
    node_memory: String(Math.ceil((memory / active.length) * 1.3)),
    node_cpus: String(Math.ceil((cpus / active.length) * 1.3)),
  };
}
