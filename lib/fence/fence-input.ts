import type { Params } from "../ocf/params.ts";
import type { StdinLimits, StdinRead } from "../protocol/process-io.ts";
import type { GetoptLetters } from "./fence-params.ts";

/**
 * The two ways a fence agent receives its options (FenceAgentAPI.md):
 * - stdin, one `key=value` per line, as Pacemaker's fencer and fence_legacy
 *   send them, read exactly as fence-agents' fencing.py `_parse_input_stdin`
 *   reads them (doc/fence-input.md has the table of cases);
 * - the command line, getopt style, for people at a shell.
 * Both yield raw strings by canonical name; decoding is lib/ocf/params.ts's.
 * Every value then meets the same two rules (no control character, no
 * surrounding white space) before any parameter's own check.
 */
export interface RawFenceInput {
  readonly values: ReadonlyMap<string, string>;
  /** Keys that no declared parameter knows, for a warning. */
  readonly ignored: readonly string[];
  readonly problems: readonly string[];
  readonly source: "stdin" | "argv";
}

/**
 * Keys Pacemaker sends that an agent may ignore without a warning. fencing.py
 * is quiet about nodename only; nodeid and agent are ignored all the same
 * there, with a warning.
 */
const QUIET_KEYS = new Set(["nodename", "nodeid", "agent"]);

/** fencing.py's -/_ rule: `power-timeout` and `power_timeout` are one key. Nothing else is folded: not case, not spaces. */
const canonical = (key: string): string => key.replace(/-/g, "_");

/**
 * Python's str.strip() without arguments: the characters str.isspace() accepts
 * (which include \x1c-\x1f and \x85 and exclude \ufeff, unlike String.trim).
 */
const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");
export const pythonStrip = (text: string): string => text.replace(PY_STRIP, "");

/** name and every alias -> the declared name. */
function nameIndex(params: Params): ReadonlyMap<string, string> {
  const index = new Map<string, string>();
  for (const [name, p] of Object.entries(params)) {
    index.set(name, name);
    for (const alias of p.aliases ?? []) index.set(alias, name);
  }
  return index;
}

/**
 * fencing.py reads sys.stdin, which Python splits at \n only on POSIX (a \r
 * before it goes with the strip; a lone \r stays inside its line). Each line
 * is stripped as a whole, so a key keeps the spaces before its `=` (`port =
 * vm1` has the key "port ", which no option has) and a value keeps the spaces
 * after it.
 */
export function parseFenceStdin(text: string, params: Params): RawFenceInput {
  const index = nameIndex(params);
  const values = new Map<string, string>();
  const ignored: string[] = [];
  for (const rawLine of text.split("\n")) {
    const line = pythonStrip(rawLine);
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    const key = eq < 0 ? line : line.slice(0, eq);
    // One pair of surrounding double quotes goes (re.sub('^"(.*)"$', ...)); single quotes stay.
    const value = (eq < 0 ? "" : line.slice(eq + 1)).replace(/^"(.*)"$/s, "$1");
    const name = index.get(canonical(key));
    if (name === undefined) {
      if (!QUIET_KEYS.has(key)) ignored.push(key);
      continue;
    }
    values.set(name, value);
  }
  return { values, ignored, problems: [], source: "stdin" };
}

/** `--plug=vm1`, `--plug vm1`, `-n vm1`, `-nvm1`; booleans are bare flags (`-v`, `--verbose`). */
export function parseFenceArgv(argv: readonly string[], params: Params, letters: GetoptLetters): RawFenceInput {
  const index = nameIndex(params);
  const byLetter = new Map(Object.entries(letters).map(([name, letter]) => [letter, name]));
  const values = new Map<string, string>();
  const problems: string[] = [];
  const ignored: string[] = [];
  const isFlag = (name: string) => params[name]?.kind === "boolean";

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const long = canonical(eq < 0 ? arg.slice(2) : arg.slice(2, eq));
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      name = index.get(long);
      if (name === undefined) {
        problems.push(`unknown option --${arg.slice(2).split("=")[0]}`);
        continue;
      }
    } else if (arg.startsWith("-") && arg.length > 1) {
      name = byLetter.get(arg[1] ?? "");
      if (name === undefined) {
        problems.push(`unknown option ${arg.slice(0, 2)}`);
        continue;
      }
      inline = arg.length > 2 && !isFlag(name) ? arg.slice(2) : undefined;
    } else {
      ignored.push(arg);
      continue;
    }
    if (isFlag(name)) {
      values.set(name, inline ?? "1");
      continue;
    }
    const value = inline ?? argv[i + 1];
    if (value === undefined) {
      problems.push(`option ${arg} needs a value`);
      continue;
    }
    if (inline === undefined) i++;
    values.set(name, value);
  }
  return { values, ignored, problems, source: "argv" };
}

/** The most stdin may hold: Pacemaker sends a few hundred bytes; fencing.py sets no bound at all. */
export const STDIN_MAX_BYTES = 1024 * 1024;
/**
 * How long to wait for the end of stdin: fixed, because nothing known before
 * stdin is read gives a better bound (doc/fence-input.md §1). Pacemaker's
 * fencer passes no timeout to the agent (make_args in lib/fencing/
 * st_actions.c drops every pcmk_* parameter; the fencer kills the agent at
 * pcmk_<action>_timeout itself), and fencing.py's login_timeout,
 * shell_timeout and power_timeout arrive on this same stdin and bound only
 * what comes after it (fencing.py reads stdin with no bound at all).
 * Pacemaker writes every option right after fork and closes the pipe; 60 s is
 * its default stonith-timeout, past which the fencer has given up anyway.
 * The wait counts against the action's own budget (run-loop.ts's deadline
 * starts with the process), so a late stdin shortens the action.
 */
export const STDIN_TIMEOUT_MS = 60_000;

/** fencing.py decodes stdin as UTF-8 and keeps a byte order mark as a character of the first key. */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The two rules every value meets, from either source: no control character
 * (a NUL or a newline in a name is never what was meant) and no surrounding
 * white space (` vm1` is not `vm1`). A secret's value is never echoed.
 */
function valueProblems(values: ReadonlyMap<string, string>, params: Params): string[] {
  return [...values].flatMap(([name, value]) => {
    const shown = params[name]?.private ? "the value" : JSON.stringify(value);
    if (CONTROL.test(value)) return [`${name}: ${shown} holds a control character`];
    if (pythonStrip(value) !== value || value.trim() !== value) return [`${name}: ${shown} has surrounding white space`];
    return [];
  });
}

const withProblems = (input: RawFenceInput, problems: readonly string[]): RawFenceInput =>
  problems.length === 0 ? input : { ...input, problems: [...input.problems, ...problems] };

/**
 * fencing.py's rule: options come from the command line when there is one,
 * otherwise from stdin, read to its end within `limits`. Secrets (private
 * parameters) are refused on the command line, where every user of the host
 * can read them in `ps`.
 */
export async function readFenceInput(
  argv: readonly string[],
  stdin: (limits: StdinLimits) => Promise<StdinRead>,
  params: Params,
  letters: GetoptLetters,
): Promise<RawFenceInput> {
  if (argv.length === 0) {
    const read = await stdin({ maxBytes: STDIN_MAX_BYTES, timeoutMs: STDIN_TIMEOUT_MS });
    if (!read.ok) return { values: new Map(), ignored: [], problems: [read.problem], source: "stdin" };
    let text: string;
    try {
      text = UTF8.decode(read.bytes);
    } catch {
      return { values: new Map(), ignored: [], problems: ["stdin is not valid UTF-8"], source: "stdin" };
    }
    const parsed = parseFenceStdin(text, params);
    return withProblems(parsed, valueProblems(parsed.values, params));
  }
  const parsed = parseFenceArgv(argv, params, letters);
  const secrets = [...parsed.values.keys()].filter((name) => params[name]?.private);
  return withProblems(parsed, [
    ...valueProblems(parsed.values, params),
    ...secrets.map((name) => `${name} is a secret: pass it on stdin (${name}=...), never on the command line`),
  ]);
}
