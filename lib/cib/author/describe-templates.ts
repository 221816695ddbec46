import { defaultText } from "../../ocf/params.ts";
import type { TemplateDefinition } from "./define-template.ts";
import type { TemplateVariable } from "./variables.ts";

/** `xen-ha cib templates`: each template with what it protects against and its values. */
const shown = (text: string): string => (text === "" || /\s/.test(text) ? JSON.stringify(text) : text);

function variableLine(name: string, variable: TemplateVariable): string {
  const syntax = variable.syntax ?? (variable.kind === "select" ? (variable.choices ?? []).join("|") : variable.kind);
  const presence = variable.required
    ? "required"
    : (variable.defaultRaw ?? defaultText(variable)) === undefined
      ? "optional"
      : `default ${shown(variable.defaultRaw ?? defaultText(variable) ?? "")}`;
  return `    ${name} = ${syntax} (${presence})\n        ${variable.shortdesc}\n`;
}

export function describeTemplate(template: TemplateDefinition): string {
  return [
    `${template.name}\n    ${template.description}\n`,
    "  protects against:\n",
    ...template.protects.map((line) => `    - ${line}\n`),
    ...(template.assumes ? ["  assumes:\n", ...template.assumes.map((line) => `    - ${line}\n`)] : []),
    "  values:\n",
    ...Object.entries(template.variables).map(([name, variable]) => variableLine(name, variable)),
  ].join("");
}

export const describeTemplates = (templates: readonly TemplateDefinition[]): string =>
  templates.map(describeTemplate).join("\n");
