import { escapeXml } from "../../xml/xml.ts";
import type { XmlElement } from "../../xml/parse.ts";

/** An element built in code (conversions, merges); it has no source line. */
export function makeElement(
  name: string,
  attributes: Readonly<Record<string, string | undefined>>,
  children: readonly XmlElement[] = [],
): XmlElement {
  const defined = Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return { name, attributes: defined, children, text: "", line: undefined };
}

const pads: string[] = [];
const padOf = (depth: number): string => (pads[depth] ??= "  ".repeat(depth));

/** The element's lines, each followed by a newline (one string built by appending: a 1000-domain CIB has ~40,000 lines). */
function writeLines(element: XmlElement, depth: number, text: string): string {
  const pad = padOf(depth);
  let attrs = "";
  for (const name in element.attributes) attrs += ` ${name}="${escapeXml(element.attributes[name] as string)}"`;
  if (element.children.length === 0) {
    return element.text === "" ? `${text}${pad}<${element.name}${attrs}/>\n` : `${text}${pad}<${element.name}${attrs}>${escapeXml(element.text)}</${element.name}>\n`;
  }
  let out = `${text}${pad}<${element.name}${attrs}>\n`;
  if (element.text !== "") out += `${pad}  ${escapeXml(element.text)}\n`;
  for (const child of element.children) out = writeLines(child, depth + 1, out);
  return `${out}${pad}</${element.name}>\n`;
}

/** The element as indented XML text (two spaces per level, one element per line), ending in a newline. */
export function writeXml(element: XmlElement): string {
  return writeLines(element, 0, "");
}
