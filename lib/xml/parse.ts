import { XMLParser, XMLValidator } from "fast-xml-parser";
import { scannedXml } from "./strict-scan.ts";
import type { ParsedXml, XmlElement } from "./tree.ts";

/**
 * The one place XML text becomes data (and the only fast-xml-parser import).
 * Callers get a small ordered element tree (tree.ts): attributes as strings,
 * children in document order, comments and processing instructions dropped,
 * and the line each element starts on, so a problem can point at it. Callers
 * that can wait use parse-lazily.ts, which loads this module only for the
 * documents the strict scan declines.
 */
export { childNamed, childrenNamed, type ParsedXml, type XmlElement } from "./tree.ts";

const ATTRS = ":@";
const TEXT = "#text";
const META = XMLParser.getMetaDataSymbol() as unknown as string;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  captureMetaData: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

type RawNode = Record<string, unknown>;

function lineAt(lineStarts: readonly number[], index: number | undefined): number | undefined {
  if (index === undefined) return undefined;
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= index) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

function toElement(node: RawNode, lineStarts: readonly number[]): XmlElement | undefined {
  const name = Object.keys(node).find((key) => key !== ATTRS);
  if (name === undefined || name === TEXT || name.startsWith("?") || name.startsWith("#")) return undefined;
  const body = (node[name] ?? []) as RawNode[];
  const attributes = (node[ATTRS] ?? {}) as Record<string, string>;
  const children: XmlElement[] = [];
  const texts: string[] = [];
  for (const child of body) {
    if (TEXT in child) texts.push(String(child[TEXT]));
    else {
      const element = toElement(child, lineStarts);
      if (element) children.push(element);
    }
  }
  const meta = (node as Record<string, { startIndex?: number } | undefined>)[META];
  return { name, attributes, children, text: texts.join("").trim(), line: lineAt(lineStarts, meta?.startIndex) };
}

/**
 * Parses a whole document; a document must have exactly one root element.
 * Plain documents (most CIBs) are read by strict-scan.ts, the same tree in a
 * fraction of the time; the rest, and every malformed one, by fast-xml-parser
 * (validated first: its parser alone accepts malformed XML).
 */
export function parseXml(text: string): ParsedXml {
  return scannedXml(text) ?? parseValidated(text);
}

/** parseXml through fast-xml-parser's validator and parser. */
export function parseValidated(text: string): ParsedXml {
  const valid = XMLValidator.validate(text);
  if (valid !== true) return { ok: false, problem: valid.err.msg, line: valid.err.line };
  const lineStarts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  let nodes: RawNode[];
  try {
    nodes = parser.parse(text) as RawNode[];
  } catch (error) {
    // the parser refuses some of what the validator passes: nesting past its
    // maxNestedTags, a "prototype" name, a document cut after `<a/`
    return { ok: false, problem: `the parser refuses it (${(error as Error).message})`, line: undefined };
  }
  const roots = nodes
    .map((node) => toElement(node, lineStarts))
    .filter((element): element is XmlElement => element !== undefined);
  const [root] = roots;
  if (!root) return { ok: false, problem: "no root element", line: undefined };
  if (roots.length > 1) return { ok: false, problem: "more than one root element", line: roots[1]?.line };
  return { ok: true, root };
}
