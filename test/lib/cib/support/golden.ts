import { existsSync, readFileSync, writeFileSync } from "node:fs";

/**
 * Golden files: compared as text after the normalisations below (the one
 * list of what may differ between runs), rewritten when UPDATE_GOLDEN=1 so
 * the change shows up in the diff for review.
 */
export const NORMALISATIONS: readonly (readonly [RegExp, string])[] = [
  [/\/tmp\/xen-ha-[A-Za-z0-9._-]+/g, "SCRATCH"], // private scratch directories
  [/\(version \d+\.\d+\.\d+\)/g, "(version N)"], // CIB epochs in load reports
];

export const normalise = (text: string): string =>
  NORMALISATIONS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);

export const updating = process.env["UPDATE_GOLDEN"] === "1";

/** The golden's text ("" when missing); rewritten first when updating. */
export function golden(file: string, actual: string): { readonly expected: string; readonly exists: boolean } {
  if (updating) writeFileSync(file, actual);
  return existsSync(file) ? { expected: readFileSync(file, "utf8"), exists: true } : { expected: "", exists: false };
}
