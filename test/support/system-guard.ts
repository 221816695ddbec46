import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/**
 * What the test suite must leave as it found it: the machine's own agent,
 * fence and plugin directories, the default install prefix, the cluster
 * stacks' state and /etc. Tests install into temporary roots and give every
 * agent a private HA_RSCTMP; a test that forgets lands here, and the check
 * after the run (test/system-guard/) names what changed.
 */
export const GUARDED: readonly { readonly path: string; readonly recursive: boolean }[] = [
  { path: "/usr/lib/ocf", recursive: true },
  { path: "/usr/lib/xen-ha", recursive: true },
  { path: "/usr/lib/stonith", recursive: true },
  // fence_* and xen-ha land here; new or changed programs are seen without walking below
  { path: "/usr/sbin", recursive: false },
  { path: "/usr/bin", recursive: false },
  { path: "/etc", recursive: true },
  { path: "/var/lib/pacemaker", recursive: true },
  { path: "/var/lib/heartbeat", recursive: true },
  { path: "/var/lib/corosync", recursive: true },
  { path: "/var/lib/xen", recursive: true },
  { path: "/var/lib/xen-ha", recursive: true },
  // HA_RSCTMP's default: an agent run without it keeps its records here
  { path: "/run/resource-agents", recursive: true },
];

/**
 * path -> "type mode size ctime [link target]": enough to see any write, cheap
 * to take (lstat only, no reads). ctime, not mtime: a copy that keeps the
 * original's mtime (cp -p, tar) still moves it, and nobody can set it back.
 */
export type Fingerprint = Record<string, string>;

function describe(path: string): string | undefined {
  try {
    const st = lstatSync(path);
    const type = st.isDirectory() ? "d" : st.isSymbolicLink() ? "l" : st.isFile() ? "f" : "o";
    // a directory's size and mtime move whenever an entry is added or removed; entries are listed themselves
    const facts = type === "d" ? `${type} ${st.mode.toString(8)}` : `${type} ${st.mode.toString(8)} ${st.size} ${st.ctimeMs}`;
    return type === "l" ? `${facts} -> ${readlinkSync(path)}` : facts;
  } catch {
    return undefined;
  }
}

function walk(path: string, recursive: boolean, into: Fingerprint): void {
  const facts = describe(path);
  if (facts === undefined) return;
  into[path] = facts;
  if (!facts.startsWith("d")) return;
  let entries: string[];
  try {
    entries = readdirSync(path);
  } catch {
    return;
  }
  for (const entry of entries) {
    const child = join(path, entry);
    if (recursive) walk(child, true, into);
    else {
      const childFacts = describe(child);
      if (childFacts !== undefined) into[child] = childFacts;
    }
  }
}

export function fingerprint(roots: typeof GUARDED = GUARDED): Fingerprint {
  const into: Fingerprint = {};
  for (const root of roots) walk(root.path, root.recursive, into);
  return into;
}

/** One line per path that appeared, vanished or changed, sorted. */
export function differences(before: Fingerprint, after: Fingerprint): string[] {
  const lines: string[] = [];
  for (const path of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = before[path];
    const is = after[path];
    if (was === is) continue;
    lines.push(was === undefined ? `added    ${path} (${is})` : is === undefined ? `removed  ${path} (${was})` : `changed  ${path} (${was} -> ${is})`);
  }
  return lines.sort((a, b) => a.slice(9).localeCompare(b.slice(9)));
}
