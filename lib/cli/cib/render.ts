import type { TemplateDefinition } from "../../cib/author/define-template.ts";
import { assembleTemplate, finishRender } from "../../cib/author/assemble.ts";
import { parseXmlLazily } from "../../xml/parse-lazily.ts";
import type { SectionName } from "../../cib/model/sections.ts";
import type { SchemaName } from "../../cib/model/schema.ts";
import { parseAssignments, parseValuesFile, type RawValues } from "../../cib/author/values.ts";
import { CliError, CliExit, type CliIo } from "../io.ts";
import { output, readInput, templateNamed } from "./files.ts";

export interface RenderOptions {
  readonly set: string[];
  readonly values?: string;
  readonly schema: SchemaName;
  readonly section?: SectionName;
  readonly output?: string;
}

async function templateValues(io: CliIo, options: { values?: string; set: readonly string[] }): Promise<RawValues> {
  const fromFile = options.values === undefined ? { ok: true as const, values: {} } : parseValuesFile(await readInput(io, options.values), options.values);
  const fromSet = parseAssignments(options.set);
  const problems = [...(fromFile.ok ? [] : fromFile.problems), ...(fromSet.ok ? [] : fromSet.problems)];
  if (!fromFile.ok || !fromSet.ok) throw new CliError(CliExit.Usage, problems.join("\n"));
  return { ...fromFile.values, ...fromSet.values };
}

/** `xen-ha cib render <template>`. */
export async function renderCommand(io: CliIo, templates: readonly TemplateDefinition[], name: string, options: RenderOptions): Promise<void> {
  const template = templateNamed(templates, name, "; 'xen-ha cib templates' lists them");
  const values = await templateValues(io, options);
  const renderOptions = { schema: options.schema, ...(options.section ? { section: options.section } : {}) };
  const assembled = assembleTemplate(template, values, renderOptions);
  const result = assembled.ok ? finishRender(template, await parseXmlLazily(assembled.text), renderOptions) : assembled;
  if (!result.ok) throw new CliError(CliExit.Usage, result.problems.map((problem) => `cannot render ${name}: ${problem}`).join("\n"));
  await output(io, result.text, options.output);
  for (const line of template.assumes ?? []) io.stderr(`${name} assumes: ${line}\n`);
  if (options.section) io.stderr(`load it with: cibadmin --create -o ${options.section} --xml-file FILE\n`);
}
