/**
 * The checks parameters share, whoever declares them: XenDomain, fence_xen,
 * the stonith plugin and the CIB templates. Each returns a problem text (for
 * an exit reason: one line, bounded) or undefined. Values are quoted with
 * `shown`, so a newline, a NUL or a megabyte in a value never reaches a log
 * or an exit reason as such.
 */

const SHOWN_MAX = 60;

/** A value as messages quote it: 'vm1' when plain, else JSON-escaped; long ones cut, with their length. */
export function shown(value: string): string {
  const cut = value.length > SHOWN_MAX ? value.slice(0, SHOWN_MAX) : value;
  const plain = /^[\x20-\x7e]*$/.test(cut) && !cut.includes("'");
  const quoted = plain ? `'${cut}'` : JSON.stringify(cut);
  return value.length > SHOWN_MAX ? `${quoted}... (${value.length} characters)` : quoted;
}

/** Linux's PATH_MAX counts the terminating NUL. */
const PATH_MAX = 4095;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** NUL, a line break or any other control character: never part of a name or path anyone typed. */
export const hasControlCharacter = (value: string): boolean => CONTROL.test(value);

/**
 * An absolute path: begins with '/', so no tool can read it as an option;
 * no control character (a NUL would be cut off by the kernel, a newline
 * would split a log line); no surrounding spaces (a typo, never a file
 * anyone meant); at most PATH_MAX bytes.
 */
export function absolutePathProblem(value: string): string | undefined {
  if (!value.startsWith("/")) return `${shown(value)} is not an absolute path`;
  if (CONTROL.test(value)) return `${shown(value)} holds a control character`;
  if (value.trimEnd() !== value) return `${shown(value)} ends with a space`;
  if (Buffer.byteLength(value) > PATH_MAX) return `${shown(value)} is longer than a path may be`;
  return undefined;
}

/** A program name looked up on PATH: nothing a tool could read as an option, nothing to quote. */
const PROGRAM_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,254}$/;

/**
 * A program to run (ssh_path): an absolute path (absolutePathProblem), or a
 * bare name that is looked up on PATH; never a leading '-', never a relative
 * path, which would depend on the directory the fencer runs in.
 */
export function programProblem(value: string): string | undefined {
  if (value.startsWith("/")) return absolutePathProblem(value);
  return PROGRAM_NAME.test(value) ? undefined : `${shown(value)} is neither an absolute path nor a program name (letters, digits, _ . + -, not beginning with '-')`;
}

/**
 * The words of a list parameter: separated by commas, spaces or both
 * ("a, b c" is three words). Two commas with nothing between them is a
 * mistake (undefined), as is a comma at either end; "" is an empty list.
 */
export function splitList(text: string): readonly string[] | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  const items = trimmed.split(/\s*,\s*|\s+/);
  return items.includes("") ? undefined : items;
}

/**
 * A list parameter's problem: an empty item, an empty list, a bad word
 * (`wordProblem`), or a word given twice.
 */
export function listProblem(text: string, wordProblem: (word: string) => string | undefined, what = "item"): string | undefined {
  const words = splitList(text);
  if (words === undefined) return `${shown(text)} has an empty ${what} (two commas in a row, or one at an end)`;
  if (words.length === 0) return `no ${what} given`;
  const problems = words.flatMap((word) => wordProblem(word) ?? []);
  if (problems.length > 0) return problems.join("; ");
  const twice = words.find((word, i) => words.indexOf(word) !== i);
  return twice === undefined ? undefined : `${shown(twice)} is listed twice`;
}

/**
 * A login name as useradd creates it by default (shadow: a lower-case letter
 * or '_', then lower case, digits, '_', '-'), plus '.', at most 32: never a
 * leading '-' that ssh would read as an option, never an '@' that would turn
 * `user@host` into another host (doc/domain-names.md §3).
 */
const USER = /^[a-z_][a-z0-9_.-]{0,31}$/;

export const userNameProblem = (value: string): string | undefined =>
  USER.test(value) ? undefined : `${shown(value)} is not a user name (lower case letters, digits, _ . -; at most 32)`;

/**
 * A host name (RFC 1123 labels, and the '_' that some node names carry), an
 * IPv4 address or an IPv6 address without brackets: begins and ends with a
 * letter or digit, so ssh and crm_attribute never read it as an option.
 */
const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9._:-]{0,251}[A-Za-z0-9])?$/;

export const hostProblem = (value: string): string | undefined =>
  HOST.test(value) ? undefined : `${shown(value)} is not a host name or address (letters, digits, '.', '_', ':', '-')`;

/**
 * Pacemaker's truth set (crm_is_true / crm_str_to_boolean): these words in
 * any case, nothing else, no surrounding spaces.
 */
const TRUE = new Set(["1", "true", "yes", "on", "y"]);
const FALSE = new Set(["0", "false", "no", "off", "n"]);

/** true or false as Pacemaker reads the word; undefined when it is neither. */
export function booleanOf(value: string): boolean | undefined {
  const word = value.toLowerCase();
  return TRUE.has(word) ? true : FALSE.has(word) ? false : undefined;
}

/** Unset or not a truth word is false, as crm_is_true answers. */
export const isTrue = (value: string | undefined): boolean => value !== undefined && booleanOf(value) === true;
