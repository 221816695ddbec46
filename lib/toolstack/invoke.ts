import { describeFailure, type CommandResult } from "../exec/command.ts";
import { shown } from "../ocf/checks.ts";
import { genericError, notInstalled, type OcfError } from "../ocf/exit-code.ts";
import type { ToolstackName, ToolstackOptions } from "./toolstack.ts";

/**
 * One toolstack call: argv only, the agent's environment, a timeout from the
 * action's deadline. Only "the program could not be started" means the
 * toolstack is not installed; a toolstack that ran and failed, hung or was
 * killed is an error (1). Neither is "stopped": only the kernel's evidence
 * that no Xen runs here makes a failure that (doc/evidence.md).
 */
export interface Invoke {
  (args: readonly string[], capMs: number): Promise<CommandResult>;
  /** The same call with a timeout the caller computed (already inside the action's deadline). */
  readonly within: (args: readonly string[], timeoutMs: number) => Promise<CommandResult>;
}

const NOT_STARTABLE = new Set(["ENOENT", "EACCES"]);

/**
 * Every option xen-ha passes to xl or xm, by subcommand. Both parse with getopt, which reads
 * a word that begins with '-' as an option wherever it stands, so any other
 * such word (a name, a path, an address) is refused here, whatever let it
 * through: the last line behind the domain-name rule (doc/domain-names.md §2).
 */
const OWN_OPTIONS: Readonly<Record<string, readonly string[]>> = { list: ["-l", "-v"], shutdown: ["-F"], migrate: ["-s", "-C", "--live"] };

function strayOption(args: readonly string[]): string | undefined {
  const [command = "", ...rest] = args;
  const own = OWN_OPTIONS[command] ?? [];
  return [command, ...rest].find((arg) => arg.startsWith("-") && !own.includes(arg));
}

export function createInvoke(tool: ToolstackName, options: ToolstackOptions): Invoke {
  const within = async (args: readonly string[], timeoutMs: number): Promise<CommandResult> => {
    const stray = strayOption(args);
    if (stray !== undefined) throw genericError(`not running ${tool} ${args[0] ?? ""}: ${shown(stray)} would be read as an option`);
    const result = await options.run(tool, args, { timeoutMs, env: options.env });
    if (result.spawnError && NOT_STARTABLE.has(result.spawnError)) {
      throw notInstalled(`cannot run ${tool}: ${result.spawnError}`);
    }
    return result;
  };
  return Object.assign((args: readonly string[], capMs: number) => within(args, options.callTimeoutMs(capMs)), { within });
}

/** libxl prefixes (`libxl: error: libxl_create.c:1234:func: Domain 5:`) change every release; keep the message. */
const LIBXL_PREFIX = /^(?:libxl|xc|xencall): \w+: (?:[\w.]+:\d+:\w+: )?(?:Domain \d+:)?/;

/** The last meaningful stderr lines, without libxl's source locations: what an exit reason should show. */
export function stderrSummary(stderr: string, lines = 2): string {
  return stderr
    .split("\n")
    .map((line) => line.replace(LIBXL_PREFIX, "").trim())
    .filter((line) => line !== "" && !line.startsWith("Parsing config from") && !line.startsWith("Using config file"))
    .slice(-lines)
    .join("; ");
}

/** A call that did not do what was asked, as the action's error. */
export function callFailed(result: CommandResult): OcfError {
  if (result.exitCode === undefined || result.stderr.trim() === "") return genericError(describeFailure(result));
  return genericError(`${result.command}: exit ${result.exitCode}: ${stderrSummary(result.stderr)}`);
}

/** True when some line of stderr is exactly `line` (trailing blanks ignored). */
export const saysLine = (result: CommandResult, line: string): boolean =>
  result.stderr.split("\n").some((l) => l.trimEnd() === line);
