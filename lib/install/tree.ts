import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, sep } from "node:path";

/**
 * File-system steps of an installation. Everything an installation creates is
 * world-readable (ocf-tester runs `meta-data` as nobody; Pacemaker may run
 * agents as another user), whatever the installer's umask.
 */
export const DIR_MODE = 0o755;

export function ensureDir(dir: string): void {
  if (existsSync(dir)) return;
  ensureDir(dirname(dir));
  mkdirSync(dir);
  chmodSync(dir, DIR_MODE);
}

/** Copies a directory tree, leaving out `exclude` (a subdirectory of `from`) when given. */
export function copyTree(from: string, to: string, exclude?: string): void {
  cpSync(from, to, {
    recursive: true,
    dereference: false,
    filter: (src) => exclude === undefined || (src !== exclude && !src.startsWith(exclude + sep)),
  });
}

/** Directories 0755; files 0755 when any execute bit was set, else 0644. Symlinks untouched. */
export function normaliseModes(dir: string): void {
  chmodSync(dir, DIR_MODE);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) normaliseModes(path);
    else chmodSync(path, statSync(path).mode & 0o111 ? 0o755 : 0o644);
  }
}

/** Writes a file atomically (temporary name, then rename), so a reader never sees half of it. */
export function writeAtomically(path: string, text: string, mode: number): void {
  const temporary = `${path}.xen-ha-${process.pid}`;
  writeFileSync(temporary, text, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, path);
}

/**
 * Puts a fully built `staging` tree in place of `target`. The old tree is
 * moved aside first and removed last, so `target` is never half-written and
 * a running agent keeps its already open files.
 */
export function replaceTree(staging: string, target: string): void {
  const old = `${target}.old-${process.pid}`;
  const hadOld = existsSync(target);
  if (hadOld) renameSync(target, old);
  try {
    renameSync(staging, target);
  } catch (error) {
    if (hadOld) renameSync(old, target);
    throw error;
  }
  if (hadOld) rmSync(old, { recursive: true, force: true });
}

/** Directories on the way to `path` that other users (nobody) cannot traverse. */
export function closedAncestors(path: string): string[] {
  const closed: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) closed.push(dir);
    if (dirname(dir) === dir) return closed.reverse();
  }
}
