import type { ParsedXml, XmlElement } from "./tree.ts";

/**
 * A fast reader for the plain XML a CIB is written in: elements, attributes
 * in quotes, text, comments, an XML declaration at the very start. It accepts
 * a strict subset of what fast-xml-parser's validator accepts and builds the
 * tree parse.ts builds from fast-xml-parser's output, element for element
 * (attribute values and text trimmed, text around comments joined, the line
 * of each start tag). Anything else returns undefined and parse.ts takes the
 * validating path, which also words every error: entity and character
 * references, CDATA, DOCTYPE, processing instructions, carriage returns, a
 * byte-order mark, names outside [A-Za-z_:][A-Za-z0-9_:.-]* or naming an
 * Object.prototype property (fast-xml-parser renames or refuses those),
 * repeated attributes, `<` or `>` in an attribute value, nesting deeper than
 * fast-xml-parser allows, text outside the root, anything malformed.
 * (Reading a 1000-domain CIB: ~0.3 s through fast-xml-parser's validator and
 * parser, a fraction of that here; doc/placement.md, Speed.)
 *
 * test/lib/xml/strict-scan.test.ts compares both paths on the repository's
 * XML files and on random damage to them.
 */

const GT = 62;
const SLASH = 47;
const BANG = 33;
const QUESTION = 63;
const EQUALS = 61;
const QUOTE = 34;
const APOSTROPHE = 39;
const DASH = 45;

/** fast-xml-parser refuses nesting deeper than 100 (its maxNestedTags); stay well inside it. */
const MAX_DEPTH = 90;

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 9;
const isNameStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
/** Sticky patterns: where a name or a run of spaces starting at `lastIndex` ends (native code, fast before the JIT warms up). */
const NAME_REST = /[-A-Za-z0-9_:.]*/y;
const SPACES = /[ \t\n]*/y;
const endOf = (pattern: RegExp, text: string, at: number): number => {
  pattern.lastIndex = at;
  pattern.test(text);
  return pattern.lastIndex;
};
/** Names fast-xml-parser treats specially (its sanitizeName: Object.prototype's properties and "prototype"): left to it. */
const RESERVED = new Set([...Object.getOwnPropertyNames(Object.prototype), "prototype"]);
const RESERVED_LENGTHS = new Set([...RESERVED].map((name) => name.length));
const reservedName = (name: string): boolean => RESERVED_LENGTHS.has(name.length) && RESERVED.has(name);

interface Open {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly children: XmlElement[];
  readonly line: number;
  /** Text segments between child elements, each trimmed (comments do not split a segment). */
  readonly texts: string[];
}

/** The XML declaration's inside (`<?xml` ... `?>`): pseudo-attributes only. */
const DECLARATION = /^(?:[ \t\n]+[A-Za-z_:][-\w.:]*[ \t\n]*=[ \t\n]*(?:"[^"<>]*"|'[^'<>]*'))*[ \t\n]*$/;

export function scanStrict(text: string): XmlElement | undefined {
  if (text.includes("&") || text.includes("\r") || text.charCodeAt(0) === 0xfeff) return undefined;
  const length = text.length;
  const lineStarts = [0];
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) lineStarts.push(at + 1);
  let line = 0;
  /** The 1-based line of position `at`; start tags ask in increasing order, so one pass over lineStarts. */
  const lineOf = (at: number): number => {
    while (line + 1 < lineStarts.length && (lineStarts[line + 1] as number) <= at) line++;
    return line + 1;
  };
  const stack: Open[] = [];
  let root: XmlElement | undefined;
  let pending = "";
  /** fast-xml-parser keeps a trimmed text segment when a child starts or the element ends; at the top level it drops it. */
  const flush = (into: Open | undefined): void => {
    const trimmed = pending.trim();
    if (into && trimmed !== "") into.texts.push(trimmed);
    pending = "";
  };
  const add = (element: XmlElement): void => {
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(element);
    else root = element;
  };
  let i = 0;
  if (text.startsWith("<?xml") && isSpace(text.charCodeAt(5))) {
    const end = text.indexOf("?>", 5);
    if (end === -1 || !DECLARATION.test(text.slice(5, end))) return undefined;
    i = end + 2;
  }
  while (i < length) {
    const lt = text.indexOf("<", i);
    const end = lt === -1 ? length : lt;
    // Most runs are the indentation between tags: blank, and before any text, so trimmed away. They are recognised
    // without being cut out of the text (a 1000-domain CIB has ~80,000); another run is kept whole, and trimmed
    // with the rest of its segment (flush), which also drops any other white space it starts with.
    if (endOf(SPACES, text, i) < end) {
      if (stack.length === 0) return undefined;
      pending += text.slice(i, end);
    } else if (pending !== "") pending += text.slice(i, end);
    if (lt === -1) break;
    i = lt;
    const next = text.charCodeAt(i + 1);
    if (next === BANG) {
      // Only a comment; it does not end a text segment.
      if (text.charCodeAt(i + 2) !== DASH || text.charCodeAt(i + 3) !== DASH) return undefined;
      const end = text.indexOf("-->", i + 4);
      if (end === -1) return undefined;
      i = end + 3;
      continue;
    }
    if (next === QUESTION) return undefined;
    if (next === SLASH) {
      const top = stack.pop();
      if (!top) return undefined;
      let at = i + 2;
      at = endOf(NAME_REST, text, at);
      if (text.slice(i + 2, at) !== top.name) return undefined;
      at = endOf(SPACES, text, at);
      if (text.charCodeAt(at) !== GT) return undefined;
      flush(top);
      add({ name: top.name, attributes: top.attributes, children: top.children, text: top.texts.join("").trim(), line: top.line });
      i = at + 1;
      continue;
    }
    // A start tag: only one root, and no deeper than fast-xml-parser goes.
    if (root !== undefined || stack.length >= MAX_DEPTH) return undefined;
    flush(stack[stack.length - 1]);
    let at = i + 1;
    if (!isNameStart(text.charCodeAt(at))) return undefined;
    at = endOf(NAME_REST, text, at);
    const name = text.slice(i + 1, at);
    if (reservedName(name)) return undefined;
    const attributes: Record<string, string> = {};
    let empty = false;
    for (;;) {
      const before = at;
      at = endOf(SPACES, text, at);
      const c = text.charCodeAt(at);
      if (c === GT) break;
      if (c === SLASH) {
        if (text.charCodeAt(at + 1) !== GT) return undefined;
        empty = true;
        at++;
        break;
      }
      // An attribute: whitespace before it, a name, `=`, a quoted value (fast-xml-parser trims it).
      if (at === before || !isNameStart(c)) return undefined;
      const nameStart = at;
      at = endOf(NAME_REST, text, at);
      const attribute = text.slice(nameStart, at);
      if (reservedName(attribute) || Object.hasOwn(attributes, attribute)) return undefined;
      at = endOf(SPACES, text, at);
      if (text.charCodeAt(at) !== EQUALS) return undefined;
      at++;
      at = endOf(SPACES, text, at);
      const quote = text.charCodeAt(at);
      if (quote !== QUOTE && quote !== APOSTROPHE) return undefined;
      const end = text.indexOf(quote === QUOTE ? '"' : "'", at + 1);
      if (end === -1) return undefined;
      const value = text.slice(at + 1, end);
      if (value.includes("<") || value.includes(">")) return undefined;
      attributes[attribute] = value.trim();
      at = end + 1;
    }
    const startLine = lineOf(i);
    if (empty) add({ name, attributes, children: [], text: "", line: startLine });
    else stack.push({ name, attributes, children: [], line: startLine, texts: [] });
    i = at + 1;
  }
  return stack.length === 0 ? root : undefined;
}

/** scanStrict's tree as parseXml's result; undefined when the document is left to fast-xml-parser. */
export function scannedXml(text: string): ParsedXml | undefined {
  const root = scanStrict(text);
  return root ? { ok: true, root } : undefined;
}
