/**
 * CIB ids are XML IDs (NCName): no leading digit, dot or dash, no colon, no
 * spaces (crm_verify: "Type ID doesn't allow value"). Templates build ids from
 * resource, node and domain names, so every piece goes through `idPart`.
 */
const NCNAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;

export const isValidId = (id: string): boolean => NCNAME.test(id);

/** A name made safe to appear inside an id: anything outside [A-Za-z0-9._-] becomes "_". */
export const idPart = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, "_");

/** Joins id pieces with "-"; a first piece that cannot start an id gets an "x" in front. */
export function makeId(...parts: readonly (string | number)[]): string {
  const id = parts.map((part) => idPart(String(part))).join("-");
  return /^[A-Za-z_]/.test(id) ? id : `x${id}`;
}
