import { parseXml } from "../../xml/parse.ts";
import type { TemplateDefinition } from "./define-template.ts";
import { assembleTemplate, finishRender, type RenderOptions, type RenderResult } from "./assemble.ts";
import type { RawValues } from "./values.ts";

export { idProblems, PROPERTY_SET_ID, SECTIONS, type RenderOptions, type RenderResult, type SectionName } from "./assemble.ts";

/** Renders a template with these values (assemble.ts), parsing the text back synchronously. */
export function renderTemplate(template: TemplateDefinition, raw: RawValues, options: RenderOptions = {}): RenderResult {
  const assembled = assembleTemplate(template, raw, options);
  return assembled.ok ? finishRender(template, parseXml(assembled.text), options) : assembled;
}
