/**
 * JSON as libxl's generators print it (doc/xl-behaviour.md §1.5): yajl with
 * "beautify" (4 spaces, `"key": value`, empty containers as an open and a
 * close line with a blank line between) for Xen <= 4.20, json-c PRETTY
 * (2 spaces, `"key":value`, empty `{\n}`) for Xen >= 4.21.
 */
export type JsonStyle = "yajl" | "json-c";
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export function formatJson(value: JsonValue, style: JsonStyle, depth = 0): string {
  const unit = style === "yajl" ? "    " : "  ";
  const inner = unit.repeat(depth + 1);
  const outer = unit.repeat(depth);
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const empty = style === "yajl" ? "\n\n" : "\n";
  if (Array.isArray(value)) {
    if (value.length === 0) return `[${empty}${outer}]`;
    const items = value.map((item) => `${inner}${formatJson(item, style, depth + 1)}`);
    return `[\n${items.join(",\n")}\n${outer}]`;
  }
  const entries = Object.entries(value as Record<string, JsonValue>);
  if (entries.length === 0) return `{${empty}${outer}}`;
  const separator = style === "yajl" ? ": " : ":";
  const lines = entries.map(([key, item]) => `${inner}${JSON.stringify(key)}${separator}${formatJson(item, style, depth + 1)}`);
  return `{\n${lines.join(",\n")}\n${outer}}`;
}
