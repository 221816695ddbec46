import { closeSync, mkdirSync, openSync, readFileSync, rmdirSync, statSync, unlinkSync, writeSync } from "node:fs";
import { isAlive } from "./processes.ts";

/**
 * An exclusive lock between processes, as a file created with O_EXCL that
 * holds the owner's pid (Node has no flock). A lock whose owner died (a host
 * kill SIGKILLs guests mid-update) is stale and gets broken; breaking takes a
 * second, short-lived lock so that two waiters cannot both break it and then
 * remove each other's fresh lock. Critical sections are synchronous and
 * short: nobody sleeps while holding a lock.
 */
const waitCell = new Int32Array(new SharedArrayBuffer(4));
function pauseMs(ms: number): void {
  Atomics.wait(waitCell, 0, 0, ms);
}

/** How long an owner-less lock file (pid not written yet) may exist before it counts as stale. */
const UNWRITTEN_GRACE_MS = 2_000;

function ownerIsGone(path: string): boolean {
  let text: string;
  let ageMs: number;
  try {
    text = readFileSync(path, "utf8");
    ageMs = Date.now() - statSync(path).mtimeMs;
  } catch {
    return false; // released meanwhile: just retry
  }
  const pid = Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0) return ageMs > UNWRITTEN_GRACE_MS;
  return !isAlive(pid);
}

function tryCreate(path: string): boolean {
  try {
    const fd = openSync(path, "wx");
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

function breakIfStale(path: string): void {
  const breaker = `${path}.break`;
  try {
    mkdirSync(breaker);
  } catch {
    try {
      if (Date.now() - statSync(breaker).mtimeMs > UNWRITTEN_GRACE_MS) rmdirSync(breaker);
    } catch {
      // someone else is breaking or has just finished
    }
    return;
  }
  try {
    if (ownerIsGone(path)) unlinkSync(path);
  } catch {
    // already gone
  } finally {
    rmdirSync(breaker);
  }
}

export class LockTimeout extends Error {
  override readonly name = "LockTimeout";
}

/** Runs `critical` holding the lock at `path`; waits at most `timeoutMs` for it. */
export function withFileLock<T>(path: string, critical: () => T, timeoutMs = 10_000): T {
  const giveUpAt = Date.now() + timeoutMs;
  let delay = 1;
  while (!tryCreate(path)) {
    breakIfStale(path);
    if (Date.now() > giveUpAt) throw new LockTimeout(`lock ${path} still held after ${timeoutMs} ms`);
    pauseMs(delay);
    delay = Math.min(delay * 2, 20);
  }
  try {
    return critical();
  } finally {
    unlinkSync(path);
  }
}

/**
 * Waits, without a time limit, until the lock at `path` is free and takes it:
 * the simulated /var/lock/xl (real xl uses F_SETLKW, no timeout). Async so the
 * caller's process keeps serving signals while it waits. Returns the release.
 */
export async function acquireUnbounded(path: string): Promise<() => void> {
  while (!tryCreate(path)) {
    breakIfStale(path);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return () => {
    try {
      unlinkSync(path);
    } catch {
      // the host was killed and its directory removed
    }
  };
}
