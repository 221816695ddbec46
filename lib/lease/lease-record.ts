/** node:crypto on first use (a few MB and ms to load): a monitor that takes no lease never needs it. */
const sha256 = (text: string): string => process.getBuiltinModule("node:crypto").createHash("sha256").update(text).digest("hex");

/**
 * The two kinds of record kept in a domain's lease directory, in one text
 * format: a magic first line, `key=value` lines in a fixed order, and a last
 * line with the SHA-256 of everything before it. A record that does not parse,
 * whose checksum does not match, or that names another domain or generation
 * than its file name is an error, never a free lease: a half-written or
 * foreign file must not let a second host start the domain.
 */
export type LeaseState = "held" | "released";

export interface LeaseRecord {
  readonly domain: string;
  /** Grows by one with every claim; never reused, so an old holder can recognise that it lost. */
  readonly generation: number;
  readonly holder: string;
  readonly state: LeaseState;
  /** Holder's wall clock, ms since the epoch, at the last renewal. */
  readonly renewedAt: number;
  readonly timeoutMs: number;
}

export type FenceState = "announced" | "confirmed";

/** A fence of the holder of one generation: announced before the kill, confirmed once the domain is proven gone. */
export interface FenceRecord {
  readonly domain: string;
  readonly generation: number;
  readonly by: string;
  readonly state: FenceState;
  readonly at: number;
}

const LEASE_MAGIC = "xen-ha-lease 1";
const FENCE_MAGIC = "xen-ha-fence 1";

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

function seal(magic: string, fields: readonly (readonly [string, string | number])[]): string {
  const body = `${magic}\n${fields.map(([key, value]) => `${key}=${value}\n`).join("")}`;
  return `${body}checksum=sha256:${sha256(body)}\n`;
}

/** The checked `key=value` fields of a sealed text, in their order, or why it is not one. */
function unseal(text: string, magic: string, keys: readonly string[]): Parsed<ReadonlyMap<string, string>> {
  const end = text.lastIndexOf("checksum=sha256:");
  if (!text.startsWith(`${magic}\n`)) {
    const first = JSON.stringify(text.split("\n")[0]?.slice(0, 40) ?? "");
    return { ok: false, problem: text === "" ? "empty file (torn write?)" : `not a ${magic} record (starts ${first})` };
  }
  if (end < 0 || !text.endsWith("\n")) return { ok: false, problem: "no checksum line (torn write?)" };
  const body = text.slice(0, end);
  const sum = text.slice(end + "checksum=sha256:".length).trim();
  if (sha256(body) !== sum) return { ok: false, problem: "checksum mismatch (torn or edited)" };
  const lines = body.split("\n").slice(1, -1);
  const fields = new Map<string, string>();
  for (const line of lines) {
    const eq = line.indexOf("=");
    if (eq < 0) return { ok: false, problem: `malformed line ${JSON.stringify(line)}` };
    fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const missing = keys.filter((key) => !fields.has(key));
  if (missing.length > 0 || fields.size !== keys.length) {
    return { ok: false, problem: `unexpected fields (missing: ${missing.join(", ") || "none"})` };
  }
  return { ok: true, value: fields };
}

const wholeNumber = (text: string | undefined): number | undefined =>
  text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined;

export function formatLease(record: LeaseRecord): string {
  return seal(LEASE_MAGIC, [
    ["domain", encodeURIComponent(record.domain)],
    ["generation", record.generation],
    ["holder", encodeURIComponent(record.holder)],
    ["state", record.state],
    ["renewed_at", record.renewedAt],
    ["timeout_ms", record.timeoutMs],
  ]);
}

const LEASE_KEYS = ["domain", "generation", "holder", "state", "renewed_at", "timeout_ms"];

export function parseLease(text: string): Parsed<LeaseRecord> {
  const fields = unseal(text, LEASE_MAGIC, LEASE_KEYS);
  if (!fields.ok) return fields;
  const get = (key: string) => fields.value.get(key) ?? "";
  const generation = wholeNumber(get("generation"));
  const renewedAt = wholeNumber(get("renewed_at"));
  const timeoutMs = wholeNumber(get("timeout_ms"));
  const state = get("state");
  if (generation === undefined || generation < 1 || renewedAt === undefined || timeoutMs === undefined) {
    return { ok: false, problem: "a number field is not a whole number" };
  }
  if (state !== "held" && state !== "released") return { ok: false, problem: `unknown state ${JSON.stringify(state)}` };
  return {
    ok: true,
    value: {
      domain: decodeURIComponent(get("domain")),
      generation,
      holder: decodeURIComponent(get("holder")),
      state,
      renewedAt,
      timeoutMs,
    },
  };
}

export function formatFence(record: FenceRecord): string {
  return seal(FENCE_MAGIC, [
    ["domain", encodeURIComponent(record.domain)],
    ["generation", record.generation],
    ["by", encodeURIComponent(record.by)],
    ["state", record.state],
    ["at", record.at],
  ]);
}

export function parseFence(text: string): Parsed<FenceRecord> {
  const fields = unseal(text, FENCE_MAGIC, ["domain", "generation", "by", "state", "at"]);
  if (!fields.ok) return fields;
  const get = (key: string) => fields.value.get(key) ?? "";
  const generation = wholeNumber(get("generation"));
  const at = wholeNumber(get("at"));
  const state = get("state");
  if (generation === undefined || at === undefined) return { ok: false, problem: "a number field is not a whole number" };
  if (state !== "announced" && state !== "confirmed") return { ok: false, problem: `unknown state ${JSON.stringify(state)}` };
  return {
    ok: true,
    value: { domain: decodeURIComponent(get("domain")), generation, by: decodeURIComponent(get("by")), state, at },
  };
}
