import { decodeValues } from "../../ocf/params.ts";
import type { ParsedXml, XmlElement } from "../../xml/tree.ts";
import { xml, type Xml } from "../../xml/xml.ts";
import { nvset, type Pairs } from "./build.ts";
import { didYouMean } from "../model/closest.ts";
import type { CibParts, TemplateDefinition } from "./define-template.ts";
import { isValidId, makeId } from "../model/ids.ts";
import { DEFAULT_SCHEMA, SCHEMA_PROFILES, type SchemaName, type SchemaProfile } from "../model/schema.ts";
import type { RawValues } from "./values.ts";
import { writeXml } from "../model/write.ts";
import type { SectionName } from "../model/sections.ts";

export { SECTIONS, type SectionName } from "../model/sections.ts";

export interface RenderOptions {
  readonly schema?: SchemaName;
  /** Render only this section, as the root element of a fragment. */
  readonly section?: SectionName;
}

export type RenderResult =
  | { readonly ok: true; readonly text: string; readonly root: XmlElement }
  | { readonly ok: false; readonly problems: readonly string[] };

/** The id of the cluster option set; pcs and crmsh use the same one, so a load updates it in place. */
export const PROPERTY_SET_ID = "cib-bootstrap-options";

function assemble(parts: CibParts, profile: SchemaProfile): Xml {
  const properties: Pairs = { "stonith-enabled": true, ...parts.properties };
  const nodes = parts.nodes ?? [];
  const levels = parts.fencingLevels ?? [];
  return xml`<cib validate-with="${profile.validateWith}" admin_epoch="0" epoch="1" num_updates="0"><configuration>
    <crm_config>${nvset("cluster_property_set", PROPERTY_SET_ID, properties)}</crm_config>
    ${parts.rscDefaults ? xml`<rsc_defaults>${nvset("meta_attributes", "rsc-options", parts.rscDefaults)}</rsc_defaults>` : ""}
    ${parts.opDefaults ? xml`<op_defaults>${nvset("meta_attributes", "op-options", parts.opDefaults)}</op_defaults>` : ""}
    <nodes>${nodes.map(
      (node, i) => xml`<node id="${String(i + 1)}" uname="${node.name}">${[
        nvset("instance_attributes", makeId("node", node.name), node.attributes),
        nvset("utilization", makeId("node", node.name, "utilization"), node.utilization),
      ]}</node>`,
    )}</nodes>
    <resources>${parts.resources}</resources>
    <constraints>${parts.constraints ?? []}</constraints>
    ${levels.length === 0 ? "" : xml`<fencing-topology>${levels.map(
      (level) => xml`<fencing-level id="${makeId("fl", level.target, level.index)}" target="${level.target}" index="${String(level.index)}" devices="${level.devices.join(",")}"/>`,
    )}</fencing-topology>`}
  </configuration></cib>`;
}

/** Ids must be valid XML IDs and unique; node ids are free text but unique among nodes. */
export function idProblems(root: XmlElement): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  const visit = (element: XmlElement): void => {
    const id = element.attributes["id"];
    if (id !== undefined && element.name !== "node") {
      if (!isValidId(id)) problems.push(`id '${id}' of a ${element.name} is not a valid XML ID`);
      const other = seen.get(id);
      if (other !== undefined) problems.push(`id '${id}' is used by a ${other} and a ${element.name}`);
      seen.set(id, element.name);
    }
    element.children.forEach(visit);
  };
  visit(root);
  return problems;
}

/**
 * A template's rendering in two steps around parsing the text back, so that the
 * command can parse it without loading fast-xml-parser (lib/xml/parse-lazily.ts)
 * and the library synchronously (render.ts, renderTemplate). First: decodes the
 * values with the template's declarations (every problem at once) and renders
 * the text.
 */
export function assembleTemplate(template: TemplateDefinition, raw: RawValues, options: RenderOptions = {}): { readonly ok: true; readonly text: string } | { readonly ok: false; readonly problems: readonly string[] } {
  const known = Object.keys(template.variables);
  const problems = Object.keys(raw)
    .filter((name) => !known.includes(name))
    .map((name) => `${name}: template '${template.name}' has no such variable${didYouMean(name, known)}`);
  const decoded = decodeValues(template.variables, (name) => raw[name]);
  if (!decoded.ok) problems.push(...decoded.problems);
  else problems.push(...(template.crossCheck?.(decoded.values) ?? []));
  if (!decoded.ok || problems.length > 0) return { ok: false, problems };

  const profile = SCHEMA_PROFILES[options.schema ?? DEFAULT_SCHEMA];
  return { ok: true, text: assemble(template.render(decoded.values, { profile }), profile).text };
}

/**
 * Then, the text parsed back: checks its ids (names that collide once made into
 * ids, `a:b` and `a_b`, are reported here rather than by cibadmin later), picks
 * the section asked for, and writes it indented.
 */
export function finishRender(template: TemplateDefinition, parsed: ParsedXml, options: RenderOptions = {}): RenderResult {
  if (!parsed.ok) throw new Error(`template ${template.name} rendered malformed XML: ${parsed.problem}`);
  const idIssues = idProblems(parsed.root);
  if (idIssues.length > 0) return { ok: false, problems: idIssues };

  let root = parsed.root;
  if (options.section) {
    const configuration = root.children.find((child) => child.name === "configuration");
    const section = configuration?.children.find((child) => child.name === options.section);
    if (!section || section.children.length === 0) {
      return { ok: false, problems: [`template '${template.name}' renders nothing in section ${options.section}`] };
    }
    root = section;
  }
  return { ok: true, text: writeXml(root), root };
}
