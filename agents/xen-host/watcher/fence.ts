import { fenceFileName, domainLeaseDir } from "../../../lib/lease/lease-store.ts";
import { CLOCK_SKEW_MS } from "../../../lib/lease/lease.ts";
import { RECORD_MAX_BYTES, type LookFromOutside } from "../../../lib/lease/lease-fs.ts";
import { parseFence } from "../../../lib/lease/lease-record.ts";
import type { WatchedResource } from "./records.ts";

/**
 * Did fence_xen destroy this domain? fence_xen notes a fence of a lease's
 * holder in the domain's lease directory before it kills the domain
 * (lib/lease/lease-store.ts: `<lease_dir>/<domain>/fence-<generation>`,
 * agents/fence-xen/lease-notes.ts). XenDomain's `.lease.json` record says
 * which lease directory and generation this host held (records.ts), so the
 * watcher reads exactly the note that would name this host's copy: no
 * XenHost parameter repeats lease_dir.
 * - a note of that domain and generation, made within FENCE_NOTE_WINDOW_MS
 *   before the death -> fenced (ours);
 * - no note, or one that speaks of another domain, another generation or an
 *   earlier fence -> none: the death is judged as without it;
 * - a note that cannot be read (a FIFO or device in its place, a directory
 *   that is none, a pool that does not answer) -> unreadable: the death is
 *   reported, with that reason. The read is lib/exec/read-user-file.ts's (a
 *   child's stat and dd within FENCE_READ_MS): a hung pool never stalls the
 *   watcher's event loop or thread pool.
 */
export type FenceLook =
  | { readonly kind: "fenced"; readonly why: string }
  | { readonly kind: "none" }
  | { readonly kind: "unreadable"; readonly why: string };

export const FENCE_READ_MS = 2_000;
/** fence_xen announces before the kill and the watcher judges within a second of it; a note older than this is an earlier fence. */
export const FENCE_NOTE_WINDOW_MS = 120_000;

export function fenceNoteReader(read: LookFromOutside, wallNow: () => number): (resource: WatchedResource) => Promise<FenceLook> {
  return async (resource) => {
    const lease = resource.lease;
    if (lease === undefined) return { kind: "none" };
    const path = `${domainLeaseDir(lease.dir, resource.name)}/${fenceFileName(lease.generation)}`;
    const file = await read(path, { maxBytes: RECORD_MAX_BYTES, timeoutMs: FENCE_READ_MS });
    if (!file.ok) return file.kind === "missing" ? { kind: "none" } : { kind: "unreadable", why: `fence note ${path} ${file.problem}` };
    const note = parseFence(file.text);
    if (!note.ok) return { kind: "unreadable", why: `fence note ${path}: ${note.problem}` };
    const { domain, generation, by, state, at } = note.value;
    if (domain !== resource.name || generation !== lease.generation) return { kind: "none" };
    const age = wallNow() - at;
    if (age > FENCE_NOTE_WINDOW_MS || age < -CLOCK_SKEW_MS) return { kind: "none" };
    return { kind: "fenced", why: `fenced by ${by} (fence ${state} ${Math.round(age / 1000)} s ago, lease generation ${generation})` };
  };
}
