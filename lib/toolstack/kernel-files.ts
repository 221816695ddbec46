import { closeSync, constants, openSync, readdirSync, readSync } from "node:fs";
import { join } from "node:path";

/**
 * Reads of /proc and /sys under the sysroot. These are kernel pseudo-files
 * that never wait on a device or a network, so they are read in-process
 * (as host-evidence.ts does), but bounded all the same: opened
 * non-blocking (a FIFO put where a test's sysroot has a file cannot block the
 * open) and read for at most MAX_BYTES.
 */
const MAX_BYTES = 64 * 1024;

export type KernelRead = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly code: string };

export function readKernelFile(sysroot: string, path: string): KernelRead {
  let fd: number;
  try {
    fd = openSync(join(sysroot, path), constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, code: (error as NodeJS.ErrnoException).code ?? "EIO" };
  }
  try {
    const buffer = Buffer.alloc(MAX_BYTES);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, MAX_BYTES - length, null);
      if (n === 0 || (length += n) >= MAX_BYTES) break;
    }
    return { ok: true, text: buffer.subarray(0, length).toString("utf8") };
  } catch (error) {
    return { ok: false, code: (error as NodeJS.ErrnoException).code ?? "EIO" };
  } finally {
    closeSync(fd);
  }
}

/** The names in a /proc or /sys directory; undefined when it cannot be listed. */
export function listKernelDir(sysroot: string, path: string): readonly string[] | undefined {
  try {
    return readdirSync(join(sysroot, path));
  } catch {
    return undefined;
  }
}
