import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/**
 * Which domain an `xl save` image holds, read from its header
 * (xl_saverestore.c): the 32-byte magic, byte order, flags, then the
 * optional data, whose first part is the domain's libxl config as
 * NUL-terminated JSON. Only the header is read, never the memory image.
 */
const MAGIC = "Xen saved domain, xl format\n \0 \r";
const BYTE_ORDER = 0x01020304;
const HEADER_BYTES = 48;
/** Configs are a few KiB; anything larger is not an image of ours. */
const MAX_OPTIONAL_BYTES = 1 << 20;

export type SaveImageHeader = { readonly ok: true; readonly name: string; readonly uuid: string } | { readonly ok: false; readonly problem: string };

function readAt(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, read);
}

/**
 * Only a regular file is read: the image is opened with O_NONBLOCK (a FIFO in
 * its place cannot block the open) and anything else (a FIFO, a device, a
 * directory) is refused by its fstat before a byte is read.
 */
export function readSaveImageHeader(path: string): SaveImageHeader {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, problem: `cannot open ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  try {
    if (!fstatSync(fd).isFile()) return { ok: false, problem: `${path} is not a regular file` };
    const fixed = readAt(fd, HEADER_BYTES, 0);
    if (fixed.length < HEADER_BYTES || fixed.toString("latin1", 0, 32) !== MAGIC) return { ok: false, problem: "not an xl save image (wrong magic)" };
    if (fixed.readUInt32LE(32) !== BYTE_ORDER) return { ok: false, problem: "saved on a host of another byte order" };
    const optionalLength = fixed.readUInt32LE(44);
    if (optionalLength < 4 || optionalLength > MAX_OPTIONAL_BYTES) return { ok: false, problem: `implausible header (optional data ${optionalLength} bytes)` };
    const optional = readAt(fd, optionalLength, HEADER_BYTES);
    if (optional.length < optionalLength) return { ok: false, problem: "truncated header" };
    const configLength = Math.min(optional.readUInt32LE(0), optionalLength - 4);
    const text = optional.toString("utf8", 4, 4 + configLength).replace(/\0+$/, "");
    let config: { c_info?: { name?: unknown; uuid?: unknown } };
    try {
      config = JSON.parse(text) as typeof config;
    } catch {
      return { ok: false, problem: "the image's config is not JSON" };
    }
    const { name, uuid } = config.c_info ?? {};
    if (typeof name !== "string" || typeof uuid !== "string") return { ok: false, problem: "the image's config names no domain" };
    return { ok: true, name, uuid };
  } finally {
    closeSync(fd);
  }
}
