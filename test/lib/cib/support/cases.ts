import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findTemplate } from "../../../../cib-templates/index.ts";
import { renderTemplate, type RenderResult, type SectionName } from "../../../../lib/cib/author/render.ts";
import type { SchemaName } from "../../../../lib/cib/model/schema.ts";

/**
 * Data-driven CIB cases in the style of Pacemaker's cts-scheduler: one folder
 * per case under test/cases/cib/NNN-slug with a case.json saying what it is
 * for, and its expected outputs beside it.
 */
export const CASES_DIR = new URL("../../../cases/cib/", import.meta.url).pathname;

export interface Edit {
  readonly find: string;
  readonly replace: string;
}

interface CaseBase {
  readonly description: string;
  readonly template?: string;
  readonly values?: Readonly<Record<string, string>>;
  readonly schema?: SchemaName;
  /** Text edits applied to the rendered CIB: how a broken variant is made. */
  readonly edits?: readonly Edit[];
}

export type CaseSpec =
  | (CaseBase & { readonly kind: "render"; readonly section?: SectionName })
  | (CaseBase & {
      readonly kind: "check";
      /** crm_simulate showing the mistake matters: the facts hold for the variant, not all of them for the template as rendered. */
      readonly proof?: {
        readonly steps: readonly (readonly string[])[];
        readonly expect: readonly (readonly string[])[];
        /** The run to compare with, when it is not the template as rendered with the same steps. */
        readonly clean?: { readonly values?: Readonly<Record<string, string>>; readonly steps?: readonly (readonly string[])[] };
      };
      /** Also check the fence devices against their agents (stonith_admin). */
      readonly fenceAgents?: boolean;
    })
  | (CaseBase & { readonly kind: "simulate"; readonly steps: readonly (readonly string[])[]; readonly expect: readonly (readonly string[])[] })
  | (CaseBase & { readonly kind: "import"; readonly input: string })
  | (CaseBase & { readonly kind: "plan"; readonly failures?: number; readonly tolerated: number });

export interface Case {
  readonly name: string;
  readonly dir: string;
  readonly spec: CaseSpec;
}

export function casesOfKind<K extends CaseSpec["kind"]>(kind: K): (Case & { readonly spec: Extract<CaseSpec, { kind: K }> })[] {
  return readdirSync(CASES_DIR)
    .filter((name) => /^\d{3}-/.test(name))
    .sort()
    .map((name) => ({ name, dir: join(CASES_DIR, name), spec: JSON.parse(readFileSync(join(CASES_DIR, name, "case.json"), "utf8")) as CaseSpec }))
    .filter((c): c is Case & { spec: Extract<CaseSpec, { kind: K }> } => c.spec.kind === kind);
}

/** Renders the case's template with its values; edits are applied to the text. */
export function renderCase(spec: CaseBase & { readonly section?: SectionName }): RenderResult & { readonly unapplied?: readonly string[] } {
  const template = findTemplate(spec.template ?? "");
  if (!template) throw new Error(`case names unknown template '${spec.template ?? ""}'`);
  const result = renderTemplate(template, spec.values ?? {}, {
    ...(spec.schema ? { schema: spec.schema } : {}),
    ...(spec.section ? { section: spec.section } : {}),
  });
  if (!result.ok || !spec.edits) return result;
  let text = result.text;
  const unapplied: string[] = [];
  for (const edit of spec.edits) {
    if (!text.includes(edit.find)) unapplied.push(edit.find);
    text = text.replaceAll(edit.find, edit.replace);
  }
  return { ...result, text, unapplied };
}
