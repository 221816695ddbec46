/**
 * The few roff constructs our man pages use (man(7) macros), with text
 * escaped so that nothing a description says can become a request: a
 * backslash is printed as `\e`, a dash as `\-`, and a line that would start
 * with `.` or `'` is protected by `\&`.
 */
export function roffText(text: string): string {
  return text
    .replace(/\\/g, "\\e")
    .replace(/-/g, "\\-")
    .split("\n")
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join("\n");
}

export const bold = (text: string): string => `\\fB${roffText(text)}\\fR`;
export const italic = (text: string): string => `\\fI${roffText(text)}\\fR`;

/** `.TH`: title in capitals, section, no date (pages must not change from one build to the next), source, manual. */
export function title(name: string, section: number, source: string, manual: string): string {
  return `.TH "${name.toUpperCase()}" "${section}" "" "${source}" "${manual}"\n.nh\n.ad l\n`;
}

export const heading = (text: string): string => `.SH "${text.toUpperCase()}"\n`;

/** Paragraphs separated by blank lines in the source text. */
export function paragraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `.PP\n${roffText(p.replace(/\s*\n\s*/g, " "))}\n`)
    .join("");
}

/** A term followed by an indented body, as resource-agents' pages list parameters and actions. */
export function item(term: string, body: string): string {
  return `.PP\n${term}\n.RS 4\n${body}.RE\n`;
}

/** Literal lines (an example), not filled. */
export function literal(lines: readonly string[]): string {
  return `.sp\n.RS 4\n.nf\n${lines.map(roffText).join("\n")}\n.fi\n.RE\n`;
}
