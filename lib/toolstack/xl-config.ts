/**
 * A reader for domain configuration files in the syntax xl accepts
 * (xl.cfg(5); libxlu_cfg_l.l / libxlu_cfg_y.y): `KEY = VALUE` settings ended
 * by a newline or `;`, `#` comments, values that are quoted strings ('...' or
 * "..." with backslash escapes), numbers, or `[ ... ]` lists of those, which
 * may span lines and end with a comma. `KEY += [ ... ]` appends to a list.
 * An unquoted word is a syntax error, as in xl. The file is never executed,
 * so xm's Python configs are read only as far as they stay in this subset.
 */
export type ConfigAtom = string;
export type ConfigValue = ConfigAtom | readonly ConfigAtom[];

export type ConfigParse =
  | { readonly ok: true; readonly settings: ReadonlyMap<string, ConfigValue> }
  | { readonly ok: false; readonly problem: string };

type Token =
  | { readonly kind: "id" | "number" | "string"; readonly text: string; readonly line: number }
  | { readonly kind: "=" | "+=" | "[" | "]" | "," | "end"; readonly text: string; readonly line: number };

const LEXEME =
  /[ \t\r]+|#[^\n]*|(\n|;)|(\+=|=|\[|\]|,)|"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)'|([A-Za-z_][A-Za-z0-9_.]*)|([0-9][0-9A-Za-z_.]*)|(.)/gy;

function unescape(text: string): string {
  const named: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', "'": "'" };
  return text.replace(/\\(.)/g, (_, c: string) => named[c] ?? c);
}

function tokenize(text: string): Token[] | string {
  const tokens: Token[] = [];
  let line = 1;
  LEXEME.lastIndex = 0;
  for (let m = LEXEME.exec(text); m !== null && m[0] !== ""; m = LEXEME.exec(text)) {
    const [whole, end, punct, dquoted, squoted, id, number, other] = m;
    if (end) tokens.push({ kind: "end", text: end === "\n" ? "newline" : ";", line });
    else if (punct) tokens.push({ kind: punct as "=" | "+=" | "[" | "]" | ",", text: punct, line });
    else if (dquoted !== undefined) tokens.push({ kind: "string", text: unescape(dquoted), line });
    else if (squoted !== undefined) tokens.push({ kind: "string", text: squoted, line });
    else if (id) tokens.push({ kind: "id", text: id, line });
    else if (number) tokens.push({ kind: "number", text: number, line });
    else if (other) return `line ${line}: config parsing error near \`${other}'`;
    if (whole === "\n") line += 1;
  }
  tokens.push({ kind: "end", text: "end of file", line });
  return tokens;
}

export function parseXlConfig(text: string): ConfigParse {
  const tokens = tokenize(text);
  if (typeof tokens === "string") return { ok: false, problem: tokens };
  const settings = new Map<string, ConfigValue>();
  let i = 0;
  const peek = (): Token => tokens[Math.min(i, tokens.length - 1)]!;
  const fail = (token: Token, why: string): ConfigParse => ({
    ok: false,
    problem: `line ${token.line}: config parsing error near \`${token.text}': ${why}`,
  });
  const skipNewlines = () => {
    while (peek().kind === "end" && peek().text === "newline") i += 1;
  };

  while (i < tokens.length - 1) {
    const key = peek();
    if (key.kind === "end") {
      i += 1;
      continue;
    }
    if (key.kind !== "id") return fail(key, "expected a setting name");
    const op = tokens[i + 1]!;
    if (op.kind !== "=" && op.kind !== "+=") return fail(op, "expected '='");
    i += 2;
    let value: ConfigValue;
    const first = peek();
    if (first.kind === "string" || first.kind === "number") {
      value = first.text;
      i += 1;
    } else if (first.kind === "[") {
      i += 1;
      const items: string[] = [];
      skipNewlines();
      while (peek().kind !== "]") {
        const item = peek();
        if (item.kind !== "string" && item.kind !== "number") return fail(item, "expected a string or number in the list");
        items.push(item.text);
        i += 1;
        skipNewlines();
        if (peek().kind === ",") {
          i += 1;
          skipNewlines();
        } else if (peek().kind !== "]") return fail(peek(), "expected ',' or ']'");
      }
      i += 1;
      value = items;
    } else {
      return fail(first, first.kind === "id" ? "unquoted words are not values (quote it)" : "expected a value");
    }
    const end = peek();
    if (end.kind !== "end") return fail(end, "expected a newline or ';' after the value");
    const previous = settings.get(key.text);
    settings.set(key.text, op.kind === "+=" && Array.isArray(previous) && Array.isArray(value) ? [...previous, ...value] : value);
  }
  return { ok: true, settings };
}

/** A setting as text, when it is a single value. */
export function configString(settings: ReadonlyMap<string, ConfigValue>, key: string): string | undefined {
  const value = settings.get(key);
  return typeof value === "string" ? value : undefined;
}

/** A setting as an integer, read as xl reads numbers (strtol base 0: 0x hex, leading 0 octal). */
export function configInteger(settings: ReadonlyMap<string, ConfigValue>, key: string): number | undefined {
  const text = configString(settings, key)?.trim();
  if (text === undefined) return undefined;
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16);
  if (/^0[0-7]+$/.test(text)) return parseInt(text.slice(1), 8);
  return /^\d+$/.test(text) ? Number(text) : undefined;
}
