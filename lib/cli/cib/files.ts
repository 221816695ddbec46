import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { TemplateDefinition } from "../../cib/author/define-template.ts";
import { didYouMean } from "../../cib/model/closest.ts";
import { readCibDocument, type Cib } from "../../cib/model/model.ts";
import { parseXmlLazily } from "../../xml/parse-lazily.ts";
import { CliError, CliExit, fileError, type CliIo } from "../io.ts";

/**
 * What every `xen-ha cib` command does with its files. Every bad input ends as
 * a CliError with its exit code; nothing is written before all inputs have
 * been read and checked.
 */
export async function readInput(io: CliIo, file: string): Promise<string> {
  try {
    return await readFile(resolve(io.cwd, file), "utf8");
  } catch (error) {
    throw fileError(error, "read", file);
  }
}

export async function readCibFile(io: CliIo, file: string): Promise<{ text: string; cib: Cib }> {
  const text = await readInput(io, file);
  const read = readCibDocument(await parseXmlLazily(text));
  if (!read.ok) throw new CliError(CliExit.BadInput, `${file}${read.line ? `:${read.line}` : ""}: ${read.problem}`);
  return { text, cib: read.cib };
}

export async function output(io: CliIo, text: string, file: string | undefined): Promise<void> {
  if (file === undefined) return io.stdout(text);
  try {
    await writeFile(resolve(io.cwd, file), text);
  } catch (error) {
    throw fileError(error, "write", file);
  }
}

/** The template of that name; an unknown name is a usage error with a suggestion (and `hint`). */
export function templateNamed(templates: readonly TemplateDefinition[], name: string, hint = ""): TemplateDefinition {
  const template = templates.find((t) => t.name === name);
  if (!template) throw new CliError(CliExit.Usage, `unknown template '${name}'${didYouMean(name, templates.map((t) => t.name))}${hint}`);
  return template;
}
