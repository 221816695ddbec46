/**
 * Template values as an admin writes them: `--set name=value` on the command
 * line, or a values file of `name=value` lines (`#` starts a comment line, the
 * last value of a name wins: the format fence agents read on stdin).
 */
export type RawValues = Readonly<Record<string, string>>;

export type ValuesResult =
  | { readonly ok: true; readonly values: RawValues }
  | { readonly ok: false; readonly problems: readonly string[] };

function parseLines(lines: readonly { readonly text: string; readonly where: string }[]): ValuesResult {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  for (const { text, where } of lines) {
    const equals = text.indexOf("=");
    const name = text.slice(0, equals).trim();
    if (equals <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      problems.push(`${where}: '${text}' is not name=value`);
      continue;
    }
    const value = text.slice(equals + 1).trim();
    // An empty value would read as unset and quietly take the default.
    if (value === "") problems.push(`${where}: '${text}' gives ${name} an empty value; leave ${name} out to use its default`);
    else values[name] = value;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values };
}

/** `--set` arguments, in the order given. */
export const parseAssignments = (assignments: readonly string[]): ValuesResult =>
  parseLines(assignments.map((text) => ({ text, where: "--set" })));

/** A values file's text; `file` names it in problems. */
export function parseValuesFile(text: string, file: string): ValuesResult {
  const lines = text.split(/\r?\n/).flatMap((line, i) => {
    const trimmed = line.trim();
    return trimmed === "" || trimmed.startsWith("#") ? [] : [{ text: trimmed, where: `${file}:${i + 1}` }];
  });
  return parseLines(lines);
}
