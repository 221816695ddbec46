import { scannedXml } from "./strict-scan.ts";
import type { ParsedXml } from "./tree.ts";

/**
 * parseXml (parse.ts) for callers that can wait: plain documents, every rendered
 * CIB among them, are read by the strict scan, and fast-xml-parser (about 40
 * modules with its dependencies, ~30 ms of CPU to load) is loaded only for the
 * rest. The xen-ha commands read their CIB this way; parseXml stays synchronous
 * for the agents, whose CommonJS bundles cannot load a module when needed.
 */
export async function parseXmlLazily(text: string): Promise<ParsedXml> {
  return scannedXml(text) ?? (await import("./parse.ts")).parseValidated(text);
}
