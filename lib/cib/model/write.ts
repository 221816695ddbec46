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

function writeLines(element: XmlElement, depth: number, out: string[]): void {
  const pad = "  ".repeat(depth);
  const attrs = Object.entries(element.attributes)
    .map(([name, value]) => ` ${name}="${escapeXml(value)}"`)
    .join("");
  if (element.children.length === 0 && element.text === "") {
    out.push(`${pad}<${element.name}${attrs}/>`);
    return;
  }
  if (element.children.length === 0) {
    out.push(`${pad}<${element.name}${attrs}>${escapeXml(element.text)}</${element.name}>`);
    return;
  }
  out.push(`${pad}<${element.name}${attrs}>`);
  if (element.text !== "") out.push(`${pad}  ${escapeXml(element.text)}`);
  for (const child of element.children) writeLines(child, depth + 1, out);
  out.push(`${pad}</${element.name}>`);
}

/** The element as indented XML text (two spaces per level, one element per line), ending in a newline. */
export function writeXml(element: XmlElement): string {
  const out: string[] = [];
  writeLines(element, 0, out);
  return `${out.join("\n")}\n`;
}
