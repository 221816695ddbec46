import type { ToolIo } from "../context.ts";
import { readHost } from "../host/store.ts";
import { withToolRun } from "../tool-run.ts";
import { childIndex, childrenOf, xenstoreTree, type XenstoreTree } from "./tree.ts";
import { XENSTORE_MODES, type XenstoreMode } from "./modes.ts";
import { watchPaths } from "./watch.ts";

/**
 * The fake xenstore client (Xen 4.17 tools/xenstore/xenstore_client.c):
 * one program, the mode taken from its name after `xenstore-` or from its
 * first argument. Messages, usage texts and exit codes: doc/xenstore.md §1.
 */
type Mode = XenstoreMode;

const USAGE: Readonly<Record<Mode, string>> = {
  read: "[-h] [-p] [-s] [-R] key [...]",
  exists: "[-h] [-p] [-s] key [...]",
  list: "[-h] [-p] [-s] key [...]",
  ls: "[-h] [-f] [-p] [-s] [path]",
  watch: "[-h] [-n NR] key",
};

interface Options {
  readonly flags: ReadonlySet<string>;
  readonly count: number | undefined;
  readonly paths: readonly string[];
}

class Usage extends Error {}

/** getopt over "fhsptur" (+ "n:" for watch, "R" for read): an unknown letter warns and is skipped, as the C code does not handle '?'. */
function parseOptions(prog: string, mode: Mode, args: readonly string[], io: ToolIo): Options {
  const flags = new Set<string>();
  let count: number | undefined;
  const paths: string[] = [];
  const letters = `fhsptur${mode === "watch" ? "n" : ""}${mode === "read" ? "R" : ""}`;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") {
      paths.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      paths.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j] as string;
      if (!letters.includes(letter)) {
        io.stderr(`${prog}: invalid option -- '${letter}'\n`);
        continue;
      }
      if (letter === "h") throw new Usage();
      if (letter === "n") {
        const value = j + 1 < arg.length ? arg.slice(j + 1) : args[++i];
        if (value === undefined) {
          io.stderr(`${prog}: option requires an argument -- 'n'\n`);
          break;
        }
        count = Number.parseInt(value, 10) || 0; // atoi
        break;
      }
      flags.add(letter);
    }
  }
  if (paths.length === 0 && mode !== "ls") throw new Usage();
  return { flags, count, paths };
}

/** Relative paths resolve under the caller's own domain: /local/domain/0 for a dom0 tool. */
export const absolute = (path: string): string => (path.startsWith("/") || path.startsWith("@") ? path : `/local/domain/0/${path}`);

/** xs_sanitise_value: \t \n \r \\ spelled out, other control bytes octal. */
export function sanitise(value: string): string {
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\\") out += "\\\\";
    else if (code < 0o10) out += `\\${code.toString(8).padStart(3, "0")}`;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out;
}

const TAG_LEN = ' = "..."'.length;

/** do_ls: depth-first, one space per level; off a TTY 80 columns, long values cut with `\...`; -f full paths, uncut. */
export function lsLines(tree: XenstoreTree, path: string, fullPaths: boolean, maxWidth = 80): string[] {
  const lines: string[] = [];
  const index = childIndex(tree);
  const walk = (dir: string, depth: number): void => {
    for (const name of index.get(dir) ?? []) {
      const child = dir === "/" ? `/${name}` : `${dir}/${name}`;
      const value = sanitise(tree.get(child) ?? "");
      if (fullPaths) {
        lines.push(`${child} = "${value}"`);
      } else {
        const head = `${" ".repeat(depth)}${name.slice(0, Math.max(0, maxWidth - TAG_LEN - depth))}`;
        const room = maxWidth - TAG_LEN - head.length;
        lines.push(maxWidth < head.length + value.length + TAG_LEN ? `${head} = "${value.slice(0, Math.max(0, room))}\\..."` : `${head} = "${value}"`);
      }
      walk(child, depth + 1);
    }
  };
  walk(path, 0);
  return lines;
}

function readMode(prog: string, mode: Mode, options: Options, tree: XenstoreTree, io: ToolIo): number {
  // several keys: one transaction, output buffered and written at the end (after any error line)
  let output = "";
  let code = 0;
  for (const key of options.paths) {
    const path = absolute(key);
    const value = tree.get(path);
    if (mode === "exists") {
      if (value === undefined) {
        code = 1;
        break;
      }
      continue;
    }
    if (mode === "list") {
      if (value === undefined) {
        io.stderr(`${prog}: could not list path ${key}\n`);
        code = 1;
        break;
      }
      for (const name of childrenOf(tree, path)) output += options.flags.has("p") ? `${key}/${name}\n` : `${name}\n`;
      continue;
    }
    if (value === undefined) {
      io.stderr(`${prog}: couldn't read path ${key}\n`);
      code = 1;
      break;
    }
    if (options.flags.has("R")) output += value;
    else output += `${options.flags.has("p") ? `${key}: ` : ""}${sanitise(value)}\n`;
  }
  if (output) io.stdout(output);
  return code;
}

function lsMode(prog: string, options: Options, tree: XenstoreTree, io: ToolIo): number {
  for (const key of options.paths.length > 0 ? options.paths : ["/"]) {
    const path = absolute(key);
    if (!tree.has(path)) {
      io.stderr(`${prog}: xs_directory (${key}): No such file or directory\n`);
      return 1;
    }
    const lines = lsLines(tree, path === "/" ? "/" : path.replace(/\/+$/, ""), options.flags.has("f"));
    if (lines.length > 0) io.stdout(`${lines.join("\n")}\n`);
  }
  return 0;
}

/** The mode from the program name (`xenstore-read`) or, for plain `xenstore`, the first argument. */
function modeOf(prog: string, argv: readonly string[]): { mode: string | undefined; args: readonly string[] } {
  if (prog.startsWith("xenstore-")) return { mode: prog.slice("xenstore-".length), args: argv };
  return { mode: argv[0], args: argv.slice(1) };
}

export async function xenstoreMain(root: string, host: string, prog: string, io: ToolIo): Promise<number> {
  const { mode, args } = modeOf(prog, io.argv);
  if (mode === undefined) {
    io.stderr(`${prog}: Usage: ${prog} <mode> [-h] [-s] [args]\n`);
    return 1;
  }
  if (!(XENSTORE_MODES as readonly string[]).includes(mode)) {
    io.stderr(`${prog}: unknown mode ${mode}\n\n`);
    return 1;
  }
  const known = mode as Mode;
  const name = prog.startsWith("xenstore-") ? prog : `${prog} ${known}`;
  let options: Options;
  try {
    options = parseOptions(prog, known, args, io);
  } catch (error) {
    if (!(error instanceof Usage)) throw error;
    io.stderr(`${prog}: Usage: ${name} ${USAGE[known]}\n`);
    return 1;
  }
  return withToolRun(root, host, prog, io, async () => {
    const record = readHost(root, host);
    if (!record.knobs.hypervisor) {
      // no xenstored without Xen: neither the socket nor the xenbus device exists
      io.stderr(`${prog}: xs_open: No such file or directory\n`);
      return 1;
    }
    if (known === "watch") return watchPaths(root, host, prog, options.paths.map(absolute), options.count, io);
    const tree = xenstoreTree(record);
    return known === "ls" ? lsMode(prog, options, tree, io) : readMode(prog, known, options, tree, io);
  });
}
