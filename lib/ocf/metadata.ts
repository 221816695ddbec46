import { attr, rawXml, xml, type Xml } from "../xml/xml.ts";
import { defaultText, type AnyParam } from "./params.ts";
import type { AgentDocs, AdvertisedAction } from "./define-agent.ts";

/**
 * Meta-data in two dialects from one definition:
 * - OCF 1.0, valid against ra-api-1.dtd (what ocf-tester checks with xmllint --valid):
 *   no reloadable, no unique-group, no select, no reload-agent;
 * - OCF 1.1 (when the caller says OCF_RA_VERSION_MINOR >= 1): <version>1.1</version>,
 *   reloadable, unique-group, select with options, deprecated, reload-agent.
 */
export type MetadataDialect = "1.0" | "1.1";

/** Actions that the 1.0 DTD does not allow, advertised only in 1.1. */
const OCF_11_ONLY: ReadonlySet<AdvertisedAction["name"]> = new Set(["reload-agent"]);

function contentType(p: AnyParam, dialect: MetadataDialect): string {
  if (p.kind === "select") return dialect === "1.1" ? "select" : "string";
  return p.kind;
}

export function renderParam(name: string, p: AnyParam, dialect: MetadataDialect): Xml {
  const choices = p.kind === "select" && dialect === "1.0" ? ` One of: ${(p.choices ?? []).join(", ")}.` : "";
  const longdesc = `${p.longdesc ?? p.shortdesc}${choices}`;
  const uniqueGroup = p.uniqueGroup ?? (p.unique ? name : undefined);
  const attrs =
    dialect === "1.1"
      ? xml`${attr("required", p.required ? 1 : 0)}${attr("unique-group", uniqueGroup)}${attr("reloadable", p.reloadable ? 1 : undefined)}${attr("private", p.private ? 1 : undefined)}`
      : xml`${attr("required", p.required ? 1 : 0)}${attr("unique", p.unique ? 1 : 0)}`;
  const options =
    p.kind === "select" && dialect === "1.1"
      ? (p.choices ?? []).map((value) => xml`\n<option value="${value}"/>`)
      : [];
  const content =
    options.length > 0
      ? xml`<content type="select"${attr("default", defaultText(p))}>${options}\n</content>`
      : xml`<content type="${contentType(p, dialect)}"${attr("default", defaultText(p))}/>`;
  return xml`<parameter name="${name}"${attrs}>
<longdesc lang="en">${longdesc}</longdesc>
<shortdesc lang="en">${p.shortdesc}</shortdesc>
${content}
</parameter>
`;
}

export function renderMetadata(agent: AgentDocs, dialect: MetadataDialect): string {
  const params = Object.entries(agent.params).map(([name, p]) => renderParam(name, p, dialect));
  const actions = agent.advertised
    .filter((a) => dialect === "1.1" || !OCF_11_ONLY.has(a.name))
    .map(
      (a) =>
        xml`<action name="${a.name}" timeout="${a.timeout}"${attr("interval", a.interval)}${attr("depth", a.depth)}/>\n`,
    );
  const doctype = dialect === "1.0" ? rawXml(`<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">\n`) : rawXml("");
  return xml`<?xml version="1.0"?>
${doctype}<resource-agent name="${agent.name}" version="${agent.version}">
<version>${dialect}</version>
<longdesc lang="en">${agent.longdesc}</longdesc>
<shortdesc lang="en">${agent.shortdesc}</shortdesc>
<parameters>
${params}</parameters>
<actions>
${actions}</actions>
</resource-agent>
`.text;
}
