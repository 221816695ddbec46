import { Command, CommanderError } from "commander";
import { CliError, CliExit, type CliIo } from "./io.ts";

/**
 * A subcommand group registers itself on the program. Each group lives in its
 * own file in lib/cli/ (the only folder that imports commander).
 */
export type Register = (program: Command, io: CliIo) => void;

const groups: Register[] = [];
export function addCommandGroup(register: Register): void {
  groups.push(register);
}

export function buildProgram(io: CliIo): Command {
  const program = new Command("xen-ha")
    .description("xen-ha: Xen high availability under Pacemaker")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();
  for (const register of groups) register(program, io);
  return program;
}

/** Runs the CLI in-process and returns the exit code; never calls process.exit. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return CliExit.Ok;
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`xen-ha: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof CommanderError) {
      // help and version are exits with code 0; usage mistakes are 2
      return error.exitCode === 0 ? CliExit.Ok : CliExit.Usage;
    }
    io.stderr(`xen-ha: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return CliExit.Problems;
  }
}
