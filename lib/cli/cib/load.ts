import type { AgentCatalog } from "../../cib/model/agents.ts";
import { loadCib } from "../../cib/live/load.ts";
import { CliError, CliExit, type CliIo } from "../io.ts";
import { readInput } from "./files.ts";
import { withTools, type TimeoutOptions } from "./tools.ts";

export interface LoadOptions extends TimeoutOptions {
  readonly dryRun?: boolean;
}

const LOAD_EXIT = { input: CliExit.BadInput, unreachable: CliExit.Unavailable, problems: CliExit.Problems, failed: CliExit.Problems } as const;

/** `xen-ha cib load <file>`. */
export async function loadCommand(io: CliIo, agents: AgentCatalog, file: string, options: LoadOptions): Promise<void> {
  const text = await readInput(io, file);
  const result = await withTools(io, options.timeout, (context) => loadCib(context, text, { dryRun: options.dryRun === true, agents }));
  io.stdout(result.report);
  if (!result.ok) throw new CliError(LOAD_EXIT[result.reason], result.reason === "input" ? `${file}: ${result.message}` : result.message);
}
