/**
 * The xl.cfg syntax (libxlu_cfg): `KEY = VALUE` settings separated by newlines
 * or `;`, `#` comments, values that are quoted strings, numbers or lists.
 * An unquoted word as a value is a syntax error, which is why agents must
 * quote `name="..."` on the xl command line. xm configs are Python; the
 * subset used in practice is the same syntax, except that an unquoted word
 * is a reference to an undefined Python name.
 */
export type CfgValue =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "list"; readonly items: readonly CfgValue[] };

export type CfgSettings = ReadonlyMap<string, CfgValue>;

export interface CfgSyntaxError {
  readonly line: number;
  /** The token the parser stopped at, as libxlu prints it after "near". */
  readonly near: string;
  readonly message: string;
}

type Token =
  | { kind: "ident" | "word"; text: string; line: number }
  | { kind: "string"; text: string; value: string; line: number }
  | { kind: "number"; text: string; value: number; line: number }
  | { kind: "punct"; text: string; line: number };

const ESCAPES: Readonly<Record<string, string>> = { n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', "'": "'" };

function parseNumber(text: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^0[0-7]+$/.test(text)) return Number.parseInt(text.slice(1), 8);
  if (/^[0-9]+(\.[0-9]+)?$/.test(text)) return Number(text);
  return undefined;
}

function tokenize(text: string): Token[] | CfgSyntaxError {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "\n") {
      tokens.push({ kind: "punct", text: "\n", line });
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === '"' || c === "'") {
      let value = "";
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== "\n") {
        if (text[j] === "\\" && c === '"' && j + 1 < text.length) {
          value += ESCAPES[text[j + 1] as string] ?? text[j + 1];
          j += 2;
        } else {
          value += text[j];
          j++;
        }
      }
      if (text[j] !== c) return { line, near: text.slice(i, j), message: "unterminated string" };
      tokens.push({ kind: "string", text: text.slice(i, j + 1), value, line });
      i = j + 1;
    } else if ("=[],;".includes(c) || (c === "+" && text[i + 1] === "=")) {
      const punct = c === "+" ? "+=" : c;
      tokens.push({ kind: "punct", text: punct, line });
      i += punct.length;
    } else {
      const ident = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i, i + 256))?.[0];
      const digits = /^[0-9][0-9A-Za-z.]*/.exec(text.slice(i, i + 256))?.[0];
      const word = ident ?? digits ?? c;
      const value = digits === undefined ? undefined : parseNumber(digits);
      if (value !== undefined) tokens.push({ kind: "number", text: word, value, line });
      else if (ident !== undefined) tokens.push({ kind: "ident", text: word, line });
      else tokens.push({ kind: "word", text: word, line });
      i += word.length;
    }
  }
  return tokens;
}

const VALUE_EXPECTED = "syntax error, unexpected IDENT, expecting STRING or NUMBER or '['";

export function parseCfg(text: string): { settings: CfgSettings } | { error: CfgSyntaxError } {
  const tokens = tokenize(text);
  if (!Array.isArray(tokens)) return { error: tokens };
  const settings = new Map<string, CfgValue>();
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const fail = (token: Token | undefined, message: string): { error: CfgSyntaxError } => ({
    error: { line: token?.line ?? tokens.at(-1)?.line ?? 1, near: token?.text.replace("\n", "") ?? "", message },
  });
  const skipNewlines = (): void => {
    while (peek()?.text === "\n") at++;
  };

  const parseValue = (): CfgValue | { error: CfgSyntaxError } => {
    const token = peek();
    if (token?.kind === "string") return (at++, { kind: "string", value: token.value });
    if (token?.kind === "number") return (at++, { kind: "number", value: token.value });
    if (token?.text === "[") {
      at++;
      const items: CfgValue[] = [];
      for (;;) {
        skipNewlines();
        if (peek()?.text === "]") return (at++, { kind: "list", items });
        const item = parseValue();
        if ("error" in item) return item;
        items.push(item);
        skipNewlines();
        if (peek()?.text === ",") at++;
        else if (peek()?.text !== "]") return fail(peek(), "syntax error, unexpected token, expecting ',' or ']'");
      }
    }
    return fail(token, token?.kind === "ident" || token?.kind === "word" ? VALUE_EXPECTED : "syntax error");
  };

  while (at < tokens.length) {
    const token = peek() as Token;
    if (token.text === "\n" || token.text === ";") {
      at++;
      continue;
    }
    if (token.kind !== "ident") return fail(token, "syntax error");
    at++;
    const operator = peek();
    if (operator?.text !== "=" && operator?.text !== "+=") return fail(operator, "syntax error, expecting '='");
    at++;
    const value = parseValue();
    if ("error" in value) return value;
    const previous = settings.get(token.text);
    if (operator.text === "+=" && previous?.kind === "list" && value.kind === "list") {
      settings.set(token.text, { kind: "list", items: [...previous.items, ...value.items] });
    } else {
      settings.set(token.text, value);
    }
    const end = peek();
    if (end !== undefined && end.text !== "\n" && end.text !== ";") return fail(end, "syntax error");
  }
  return { settings };
}

/** The string form of a scalar value (libxlu converts numbers on request), undefined for lists. */
export function cfgString(value: CfgValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.kind === "string") return value.value;
  if (value.kind === "number") return String(value.value);
  return undefined;
}

export function cfgStrings(value: CfgValue | undefined): string[] {
  if (value === undefined) return [];
  if (value.kind === "list") return value.items.map(cfgString).filter((s): s is string => s !== undefined);
  const single = cfgString(value);
  return single === undefined ? [] : [single];
}
