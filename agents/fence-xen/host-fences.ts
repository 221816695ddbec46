import type { Dom0 } from "../../lib/toolstack/dom0s.ts";
import { describeFailure } from "../../lib/exec/command.ts";
import { hostProblem, listProblem, splitList } from "../../lib/ocf/checks.ts";

/**
 * A dom0 that does not answer, and the dom0 cluster's word on it
 * (doc/fence-xen-host-fences.md). When the dom0s are themselves nodes of a
 * Pacemaker cluster, that cluster fences a dom0 that lost power; its fencer
 * keeps a history of fence operations, which `stonith_admin --history NODE
 * --output-as=xml` prints on any of its nodes (Pacemaker 2.1,
 * tools/stonith_admin.c, lib/fencing/st_output.c). fence_xen asks an
 * answering dom0 for it, and counts a silent dom0's domains as gone only on
 * positive evidence: an `off` or `reboot` of exactly that node, status
 * "success", completed after this fence action began. Anything else (no
 * such event, a failed or pending one, another node, an earlier one, output
 * that does not read as Pacemaker's) is no evidence, never "gone".
 */

/** One operation of the fence history. `completedMs` is whole seconds (Pacemaker keeps time_t): the earliest it can have been. */
export interface HostFence {
  readonly action: string;
  readonly target: string;
  readonly status: string;
  readonly completedMs: number | undefined;
}

export type HistoryRead = { readonly ok: true; readonly fences: readonly HostFence[] } | { readonly ok: false; readonly problem: string };

/** Pacemaker 2.1's `completed`, e.g. "2026-12-03 23:49:15Z" (crm_time with its zone); anything else is unreadable. */
const COMPLETED = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? ?(Z|[+-]\d{2}:?\d{2})$/;

export function completedMs(text: string | undefined): number | undefined {
  const match = text === undefined ? null : COMPLETED.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const zone = match[7] as string;
  const offsetMin = zone === "Z" ? 0 : (zone.startsWith("-") ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMin * 60_000;
  return Number.isFinite(utc) ? utc : undefined;
}

/** stonith_admin's exit code and XML (its `<pacemaker-result>`) as a history, or why it is none. */
export async function readHistory(result: { readonly exitCode: number | undefined; readonly stdout: string }, failure: () => string): Promise<HistoryRead> {
  if (result.exitCode !== 0) return { ok: false, problem: failure() };
  // only read when a dom0 is silent: the XML parser is not loaded for the usual fence
  const { childNamed, childrenNamed, parseXml } = await import("../../lib/xml/parse.ts");
  const parsed = parseXml(result.stdout);
  if (!parsed.ok) return { ok: false, problem: `stonith_admin printed no readable XML (${parsed.problem})` };
  const { root } = parsed;
  const status = childNamed(root, "status");
  const list = childrenNamed(root, "list").find((l) => l.attributes["name"] === "fencing history");
  if (root.name !== "pacemaker-result" || status?.attributes["code"] !== "0" || list === undefined) {
    return { ok: false, problem: `stonith_admin's answer is not a fencing history (status ${status?.attributes["code"] ?? "missing"})` };
  }
  const fences = childrenNamed(list, "fence_event").map((event) => ({
    action: event.attributes["action"] ?? "",
    target: event.attributes["target"] ?? "",
    status: event.attributes["status"] ?? "",
    completedMs: completedMs(event.attributes["completed"]),
  }));
  return { ok: true, fences };
}

/** The fence that proves `node` lost power after `sinceMs`, if the history holds one. Node names compare exactly. */
export function fencedAfter(fences: readonly HostFence[], node: string, sinceMs: number): HostFence | undefined {
  return fences.find(
    (f) => f.target === node && f.status === "success" && (f.action === "off" || f.action === "reboot") && f.completedMs !== undefined && f.completedMs > sinceMs,
  );
}

/**
 * Whether the history shows a fence (off or reboot) of `node` under way. Never
 * evidence of anything: it only says the record that settles it is near, so
 * the history is worth reading more often.
 */
export const fencePending = (fences: readonly HostFence[], node: string): boolean =>
  fences.some((f) => f.target === node && f.status === "pending" && (f.action === "off" || f.action === "reboot"));

/**
 * Asks `via` (an answering dom0) for the dom0 cluster's fence history of
 * `node`. `--verbose` lists every event, the pending ones too; without it
 * stonith_admin prints only the latest completed one (Pacemaker 2.1,
 * lib/pacemaker/pcmk_fence.c, pcmk__fence_history).
 */
export async function askHistory(via: Dom0, node: string, capMs: number, env: Readonly<Record<string, string | undefined>>): Promise<HistoryRead> {
  const result = await via.run("stonith_admin", [`--history=${node}`, "--verbose", "--output-as=xml"], { timeoutMs: via.callTimeoutMs(capMs), env });
  return readHistory(result, () => `${via.name}: ${describeFailure(result)}`);
}

/** `dom0=node` entries: the dom0 cluster's name of a dom0_list entry, where it is not the entry itself. */
export const dom0NodeMapProblem = (text: string): string | undefined =>
  listProblem(
    text,
    (entry) => {
      const [dom0, node, ...rest] = entry.split("=");
      if (node === undefined || rest.length > 0) return `${JSON.stringify(entry)} is not DOM0=NODE`;
      return hostProblem(dom0 as string) ?? hostProblem(node);
    },
    "entry",
  );

/** The node name of each dom0_list entry: mapped, or the entry itself (`local` only when mapped). */
export function dom0NodeNames(map: string | undefined): (dom0: string) => string | undefined {
  const names = new Map((splitList(map ?? "") ?? []).map((entry) => entry.split("=") as [string, string]));
  return (dom0) => names.get(dom0) ?? (dom0 === "local" ? undefined : dom0);
}
