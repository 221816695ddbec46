/**
 * The element tree XML text becomes (parse.ts, strict-scan.ts) and the two ways
 * of walking it, apart from the parsers so that a module reading a tree does not
 * load fast-xml-parser.
 */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Text directly inside the element, concatenated and trimmed. */
  readonly text: string;
  /** 1-based line of the start tag in the parsed text; undefined for built elements. */
  readonly line: number | undefined;
}

export type ParsedXml =
  | { readonly ok: true; readonly root: XmlElement }
  | { readonly ok: false; readonly problem: string; readonly line: number | undefined };

/** Children with the given element name, in document order. */
export const childrenNamed = (element: XmlElement, name: string): readonly XmlElement[] =>
  element.children.filter((child) => child.name === name);

/** The first child with the given name, if any. */
export const childNamed = (element: XmlElement, name: string): XmlElement | undefined =>
  element.children.find((child) => child.name === name);
