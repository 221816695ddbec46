/**
 * GNU getopt_long as xl uses it: options may follow positional arguments
 * (argv is permuted), short flags cluster (`-ww`), `--` ends options, a
 * short option with an argument takes the rest of its word or the next one.
 */
export interface OptionSpec {
  /** Short letters; a letter followed by ":" takes an argument (getopt's optstring). */
  readonly short: string;
  /** Long names mapped to their short letter. */
  readonly long?: Readonly<Record<string, string>>;
}

export interface ParsedOptions {
  /** Every option seen, in order, as its short letter (repeats kept: `-ww` gives two "w"). */
  readonly flags: readonly string[];
  readonly values: ReadonlyMap<string, string>;
  readonly positional: readonly string[];
}

export type GetoptResult = ParsedOptions | { readonly unknown: string } | { readonly missingValue: string };

export function getopt(args: readonly string[], spec: OptionSpec): GetoptResult {
  const flags: string[] = [];
  const values = new Map<string, string>();
  const positional: string[] = [];
  const takesValue = (letter: string): boolean => spec.short.includes(`${letter}:`);
  const known = (letter: string): boolean => letter !== ":" && spec.short.includes(letter);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const [name = "", inline] = arg.slice(2).split(/=(.*)/s, 2);
      const letter = spec.long?.[name] ?? (name === "help" ? "h" : undefined);
      if (letter === undefined) return { unknown: "" };
      flags.push(letter);
      if (takesValue(letter)) {
        const value = inline ?? args[++i];
        if (value === undefined) return { missingValue: letter };
        values.set(letter, value);
      }
      continue;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j] as string;
      if (letter === "h") {
        flags.push("h");
        continue;
      }
      if (!known(letter)) return { unknown: letter };
      flags.push(letter);
      if (takesValue(letter)) {
        const value = j + 1 < arg.length ? arg.slice(j + 1) : args[++i];
        if (value === undefined) return { missingValue: letter };
        values.set(letter, value);
        break;
      }
    }
  }
  return { flags, values, positional };
}

export const count = (parsed: ParsedOptions, letter: string): number => parsed.flags.filter((f) => f === letter).length;
