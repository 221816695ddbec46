import { Command, CommanderError } from "commander";
import type { TemplateDefinition } from "../cib/author/define-template.ts";
import type { AgentRegistry } from "../cib/model/agents.ts";
import type { Registry } from "../install/plan.ts";
import { CliError, CliExit, errnoWords, type CliIo } from "./io.ts";

const oneLine = (text: string): string => text.trim().replace(/\s*\n\s*/g, " ");

/**
 * A subcommand group adds its commands to the program. Each group lives in its
 * own file in lib/cli/ (the only folder that imports commander); the list of
 * groups is composed in commands.ts and handed in, never collected at import.
 */
export type Register = (program: Command, io: CliIo) => void;

/**
 * What the command groups work on: the agents xen-ha ships and the CIB
 * templates, passed in by the program that composes the command: nothing in
 * lib/ imports the agent registry or the templates. Both come as loaders,
 * called by the commands that use them: a `cib plan` needs neither, and every
 * command is a fresh process that pays for what it imports.
 */
export interface CliParts {
  /** The OCF provider name, for help texts. */
  readonly provider: string;
  readonly registry: () => Promise<AgentRegistry & Registry>;
  readonly templates: () => Promise<readonly TemplateDefinition[]>;
}

export function buildProgram(io: CliIo, groups: readonly Register[]): Command {
  const program = new Command("xen-ha")
    .description("xen-ha: Xen high availability under Pacemaker")
    .exitOverride()
    // A usage mistake is one line, like every other error; --help shows the rest.
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (text, write) => write(`xen-ha: ${oneLine(text.replace(/^error: /, ""))} (see --help)\n`) });
  // An empty value would read as "not given" in most handlers and quietly take a default
  // (an install prefix of "" is the current directory): refuse it for every command.
  program.hook("preAction", (_, action) => {
    // options with their own parser (--set, simulate's events) judge their raw text themselves
    for (const option of action.options.filter((o) => o.parseArg === undefined)) {
      const value: unknown = action.getOptionValue(option.attributeName());
      if (value === "" || (Array.isArray(value) && value.includes(""))) {
        throw new CliError(CliExit.Usage, `${option.long ?? option.short ?? option.flags}: empty value; leave the option out to use its default`);
      }
    }
    if (action.args.includes("")) throw new CliError(CliExit.Usage, `${action.name()}: an argument is empty`);
  });
  for (const register of groups) register(program, io);
  return program;
}

/** Runs the CLI in-process and returns the exit code; never calls process.exit. */
export async function runCli(argv: readonly string[], io: CliIo, groups: readonly Register[]): Promise<number> {
  const program = buildProgram(io, groups);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return CliExit.Ok;
  } catch (error) {
    if (error instanceof CliError) {
      // One line per problem, each saying whose it is.
      for (const line of error.message.split("\n")) io.stderr(`xen-ha: ${line}\n`);
      return error.exitCode;
    }
    if (error instanceof CommanderError) {
      // help and version are exits with code 0; usage mistakes are 2
      return error.exitCode === 0 ? CliExit.Ok : CliExit.Usage;
    }
    // A failed system call no handler expected (a scratch directory, a tool's file) is still one line.
    const errno = error as NodeJS.ErrnoException;
    if (errno instanceof Error && errno.code !== undefined) {
      io.stderr(`xen-ha: ${errno.syscall ?? "system call"}${errno.path ? ` ${errno.path}` : ""}: ${errnoWords(errno)}\n`);
      return CliExit.Problems;
    }
    // A bug: one line still, with where it happened.
    const where = error instanceof Error ? /\n\s+at (.*)/.exec(error.stack ?? "")?.[1] : undefined;
    io.stderr(`xen-ha: internal error: ${oneLine(error instanceof Error ? error.message : String(error))}${where ? ` (at ${where})` : ""}\n`);
    return CliExit.Problems;
  }
}
