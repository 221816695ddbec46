/**
 * S-expressions as xend prints them (`xm list -l`): `(domain (domid 7) (name vm1) ...)`.
 * Atoms are bare words or '...'/"..." quoted strings; nothing is evaluated.
 */
export type Sxp = string | readonly Sxp[];

export type SxpParse = { readonly ok: true; readonly value: readonly Sxp[] } | { readonly ok: false; readonly problem: string };

const TOKEN = /\s*(?:(\()|(\))|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^\s()'"]+))/y;

export function parseSxp(text: string): SxpParse {
  const stack: Sxp[][] = [[]];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) {
      if (/^\s*$/.test(text.slice(at))) break;
      return { ok: false, problem: `unexpected text at offset ${at}` };
    }
    const [, open, close, single, double, word] = match;
    const top = stack[stack.length - 1]!;
    if (open) {
      const list: Sxp[] = [];
      top.push(list);
      stack.push(list);
    } else if (close) {
      if (stack.length === 1) return { ok: false, problem: `unbalanced ')' at offset ${at}` };
      stack.pop();
    } else {
      top.push((single ?? double ?? word ?? "").replace(/\\(.)/g, "$1"));
    }
  }
  if (stack.length !== 1) return { ok: false, problem: "unbalanced '(' at end of input" };
  return { ok: true, value: stack[0]! };
}

export const isSxpList = (item: Sxp, head: string): item is readonly Sxp[] =>
  Array.isArray(item) && item[0] === head;

/** The value of `(key value)` directly inside `list`, when it is an atom. */
export function sxpField(list: Sxp, key: string): string | undefined {
  if (!Array.isArray(list)) return undefined;
  const entry = (list as readonly Sxp[]).find((item) => isSxpList(item, key));
  const value = Array.isArray(entry) ? entry[1] : undefined;
  return typeof value === "string" ? value : undefined;
}
