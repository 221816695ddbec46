import type { Params } from "../ocf/params.ts";
import type { GetoptLetters } from "./fence-params.ts";

/**
 * The two ways a fence agent receives its options (FenceAgentAPI.md):
 * - stdin, one `key=value` per line, as Pacemaker's fencer and fence_legacy
 *   send them: `#` lines and blank lines are skipped, the last value wins,
 *   `-` and `_` are the same in a key, unknown keys are reported and ignored;
 * - the command line, getopt style, for people at a shell.
 * Both yield raw strings by canonical name; decoding is lib/ocf/params.ts's.
 */
export interface RawFenceInput {
  readonly values: ReadonlyMap<string, string>;
  /** Keys that no declared parameter knows, for a warning. */
  readonly ignored: readonly string[];
  readonly problems: readonly string[];
  readonly source: "stdin" | "argv";
}

/** Keys Pacemaker always sends that an agent may ignore without a warning. */
const QUIET_KEYS = new Set(["nodename", "nodeid", "agent"]);

const canonical = (key: string): string => key.trim().replace(/-/g, "_");

/** name and every alias -> the declared name. */
function nameIndex(params: Params): ReadonlyMap<string, string> {
  const index = new Map<string, string>();
  for (const [name, p] of Object.entries(params)) {
    index.set(name, name);
    for (const alias of p.aliases ?? []) index.set(alias, name);
  }
  return index;
}

export function parseFenceStdin(text: string, params: Params): RawFenceInput {
  const index = nameIndex(params);
  const values = new Map<string, string>();
  const ignored: string[] = [];
  for (const rawLine of text.split("\n")) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    const key = canonical(eq < 0 ? line : line.slice(0, eq));
    // fencing.py strips one pair of surrounding double quotes from the value.
    const value = (eq < 0 ? "" : line.slice(eq + 1)).replace(/^"(.*)"$/, "$1");
    const name = index.get(key);
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

/**
 * fencing.py's rule: options come from the command line when there is one,
 * otherwise from stdin. Secrets (private parameters) are refused on the
 * command line, where every user of the host can read them in `ps`.
 */
export function readFenceInput(
  argv: readonly string[],
  stdinText: () => string,
  params: Params,
  letters: GetoptLetters,
): RawFenceInput {
  if (argv.length === 0) return parseFenceStdin(stdinText(), params);
  const parsed = parseFenceArgv(argv, params, letters);
  const secrets = [...parsed.values.keys()].filter((name) => params[name]?.private);
  if (secrets.length === 0) return parsed;
  return {
    ...parsed,
    problems: [
      ...parsed.problems,
      ...secrets.map((name) => `${name} is a secret: pass it on stdin (${name}=...), never on the command line`),
    ],
  };
}
