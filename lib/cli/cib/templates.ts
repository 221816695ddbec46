import type { TemplateDefinition } from "../../cib/author/define-template.ts";
import { describeTemplate, describeTemplates } from "../../cib/author/describe-templates.ts";
import type { CliIo } from "../io.ts";
import { templateNamed } from "./files.ts";

/** `xen-ha cib templates [name]`. */
export function templatesCommand(io: CliIo, templates: readonly TemplateDefinition[], name: string | undefined): void {
  io.stdout(name === undefined ? describeTemplates(templates) : describeTemplate(templateNamed(templates, name)));
}
