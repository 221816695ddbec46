import { importHeartbeat } from "../../cib/import/import-heartbeat.ts";
import type { AgentCatalog } from "../../cib/model/agents.ts";
import { readCibText } from "../../cib/model/read-text.ts";
import { CliError, CliExit, type CliIo } from "../io.ts";
import type { SchemaName } from "../../cib/model/schema.ts";
import { checkAndReport, type CheckOptions } from "./check.ts";
import { output, readInput } from "./files.ts";

export interface ImportOptions extends CheckOptions {
  readonly schema: SchemaName;
  readonly output?: string;
}

/** `xen-ha cib import-heartbeat <file>`: the result must pass `cib check` or nothing is written. */
export async function importCommand(io: CliIo, agents: AgentCatalog, file: string, options: ImportOptions): Promise<void> {
  const result = importHeartbeat(await readInput(io, file), options.schema, agents);
  if (!result.ok) throw new CliError(CliExit.BadInput, `${file}: ${result.problem}`);
  result.notes.forEach((note) => io.stderr(`note: ${note}\n`));
  result.problems.forEach((problem) => io.stderr(`not carried over: ${problem}\n`));
  if (result.problems.length > 0) throw new CliError(CliExit.Problems, `${file}: ${result.problems.length} construct${result.problems.length === 1 ? "" : "s"} could not be carried over; nothing written`);
  const converted = readCibText(result.text);
  if (!converted.ok) throw new CliError(CliExit.Problems, `${file}: the converted CIB does not read back: ${converted.problem}`);
  const errors = await checkAndReport(io, agents, io.stderr, `${file} converted`, result.text, converted.cib, options);
  if (errors > 0) throw new CliError(CliExit.Problems, `${file}: the converted CIB has ${errors} error${errors === 1 ? "" : "s"} (above); nothing written`);
  await output(io, result.text, options.output);
}
