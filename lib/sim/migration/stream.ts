/**
 * The bytes xl's two ends exchange over the migration transport
 * (doc/xl-behaviour.md §4.3; xen417: tools/xl/xl.h, xl_saverestore.c), and the
 * simulator's stand-in for libxc's stream v2 between the header and the
 * handshake: records of `u32 type, u32 length, body` padded to 8 bytes, as
 * libxc frames them, where a PAGE_DATA body is a page count, the round and
 * a fixed 64 KiB token for the page contents (so that a receiver that stops
 * reading fills the pipe and stalls the sender, as a stalled link does).
 */
export const RECEIVER_BANNER = "xl migration receiver ready, send binary domain data.\n";
export const RECEIVER_READY = "domain received, ready to unpause\0";
export const PERMISSION_TO_GO = "domain is yours, you are cleared to unpause\0";
export const RECEIVER_REPORT = "my copy unpause results are as follows\0";

/** 32 bytes: xl's savefileheader_magic. */
export const SAVE_MAGIC = "Xen saved domain, xl format\n \0 \r";
const BYTE_ORDER = 0x01020304;
/** XL_MANDATORY_FLAG_JSON | XL_MANDATORY_FLAG_STREAMv2. */
export const MANDATORY_FLAGS = 0x3;

export const RECORD = { end: 0x0, pageData: 0x1 } as const;
/** The round number that marks the stop-and-copy pass (the guest is suspended). */
export const FINAL_ROUND = 0xffff;
const PAGE_TOKEN_BYTES = 64 * 1024;
/** libxc's image header: marker, "XENF", version 3, options (little-endian). */
const IMAGE_HEADER = Buffer.from("ffffffffffffffff58454e46000000030000000000000000", "hex");

/** The xl header with the JSON config as optional data (u32 length + NUL-terminated text). */
export function encodeHeader(configJson: string): { readonly bytes: Buffer; readonly optionalLength: number } {
  const config = Buffer.from(`${configJson}\0`, "utf8");
  const fixed = Buffer.alloc(48);
  fixed.write(SAVE_MAGIC, 0, "latin1");
  fixed.writeUInt32LE(BYTE_ORDER, 32);
  fixed.writeUInt32LE(MANDATORY_FLAGS, 36);
  fixed.writeUInt32LE(0, 40);
  fixed.writeUInt32LE(4 + config.length, 44);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(config.length);
  return { bytes: Buffer.concat([fixed, length, config, IMAGE_HEADER]), optionalLength: 4 + config.length };
}

export type HeaderRead =
  | { readonly ok: true; readonly configJson: string; readonly optionalLength: number }
  | { readonly ok: false; readonly problem: "eof" | "magic" };

export async function readHeader(reader: ByteReader): Promise<HeaderRead> {
  const fixed = await reader.readExactly(48);
  if (!fixed) return { ok: false, problem: "eof" };
  if (fixed.toString("latin1", 0, 32) !== SAVE_MAGIC || fixed.readUInt32LE(32) !== BYTE_ORDER) return { ok: false, problem: "magic" };
  const optionalLength = fixed.readUInt32LE(44);
  const optional = await reader.readExactly(optionalLength);
  const image = optional && (await reader.readExactly(IMAGE_HEADER.length));
  if (!optional || !image) return { ok: false, problem: "eof" };
  const configLength = optional.readUInt32LE(0);
  return { ok: true, configJson: optional.toString("utf8", 4, 4 + configLength).replace(/\0$/, ""), optionalLength };
}

export function pageRecord(pages: number, round: number): Buffer {
  const record = Buffer.alloc(8 + 8 + PAGE_TOKEN_BYTES);
  record.writeUInt32LE(RECORD.pageData, 0);
  record.writeUInt32LE(8 + PAGE_TOKEN_BYTES, 4);
  record.writeUInt32LE(pages, 8);
  record.writeUInt32LE(round, 12);
  return record;
}

export const END_RECORD = Buffer.alloc(8);

export type StreamRecord =
  | { readonly type: "pages"; readonly pages: number; readonly round: number }
  | { readonly type: "end" }
  | { readonly type: "truncated" }
  | { readonly type: "unknown"; readonly code: number };

export async function readRecord(reader: ByteReader): Promise<StreamRecord> {
  const head = await reader.readExactly(8);
  if (!head) return { type: "truncated" };
  const type = head.readUInt32LE(0);
  const length = head.readUInt32LE(4);
  const body = length > 0 ? await reader.readExactly(length + ((8 - (length % 8)) % 8)) : Buffer.alloc(0);
  if (!body) return { type: "truncated" };
  if (type === RECORD.end) return { type: "end" };
  if (type === RECORD.pageData) return { type: "pages", pages: body.readUInt32LE(0), round: body.readUInt32LE(4) };
  return { type: "unknown", code: type };
}

export interface ByteReader {
  /** Exactly n bytes, or undefined at end of stream. */
  readExactly(n: number): Promise<Buffer | undefined>;
  /** Stop reading (a stalled link): what the peer writes piles up in the pipe. */
  stall(): void;
  /** Done with the stream. */
  close(): void;
}

const READ_AHEAD_BYTES = 2 * PAGE_TOKEN_BYTES;

export function byteReader(stream: NodeJS.ReadableStream): ByteReader {
  const chunks: Buffer[] = [];
  let buffered = 0;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  let held = false;
  const onData = (chunk: Buffer | string) => {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    chunks.push(bytes);
    buffered += bytes.length;
    // no more than a record or two ahead of the reader: the writer feels it, as over a network
    if (buffered > READ_AHEAD_BYTES && !held) {
      held = true;
      stream.pause();
    }
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  stream.on("data", onData);
  stream.on("end", onEnd);
  stream.on("close", onEnd);
  stream.on("error", onEnd);
  return {
    async readExactly(n) {
      while (buffered < n && !ended) await new Promise<void>((resolve) => (wake = resolve));
      if (buffered < n) return undefined;
      const all = Buffer.concat(chunks);
      chunks.length = 0;
      if (all.length > n) chunks.push(all.subarray(n));
      buffered = all.length - n;
      if (held && buffered <= READ_AHEAD_BYTES) {
        held = false;
        stream.resume();
      }
      return all.subarray(0, n);
    },
    stall() {
      held = true;
      stream.pause();
      stream.removeListener("data", onData);
    },
    close() {
      stream.removeListener("data", onData);
      stream.removeListener("end", onEnd);
      stream.removeListener("close", onEnd);
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    },
  };
}

/** Writes and waits until the bytes are handed on; false when the stream is broken (EPIPE). */
export function writeAll(stream: NodeJS.WritableStream, bytes: Buffer | string): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      stream.write(bytes, (error) => resolve(!error));
    } catch {
      resolve(false);
    }
  });
}

/** A broken pipe must be an answer (false from writeAll), not an uncaught 'error' event. */
export function ignoreStreamErrors(stream: NodeJS.EventEmitter): void {
  stream.on("error", () => {});
}
