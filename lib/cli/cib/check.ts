import { semanticProblems } from "../../cib/check/semantic.ts";
import type { AgentCatalog } from "../../cib/model/agents.ts";
import type { Cib } from "../../cib/model/model.ts";
import { formatProblem } from "../../cib/model/problem.ts";
import { CliError, CliExit, type CliIo } from "../io.ts";
import { readCibFile } from "./files.ts";
import type { TimeoutOptions } from "./tools.ts";

export interface CheckOptions extends TimeoutOptions {
  /** commander's --no-crm-verify */
  readonly crmVerify: boolean;
}

/** What `cib check` reports, written to `out`; the number of errors. */
export async function checkAndReport(io: CliIo, agents: AgentCatalog, out: (text: string) => void, label: string, text: string, parsed: Cib, options: CheckOptions): Promise<number> {
  const problems = [...semanticProblems(parsed, agents)];
  let verdict = "crm_verify: skipped";
  if (options.crmVerify) {
    // crm_verify, stonith_admin and the fence agents' meta-data (fast-xml-parser) load only when they run.
    const [{ withTools }, { crmVerify }, { fenceAgentProblems }] = await Promise.all([import("./tools.ts"), import("../../cib/check/check.ts"), import("../../cib/check/fence-agents.ts")]);
    const [verify, fenceAgents] = await withTools(io, options.timeout, (context) =>
      Promise.all([crmVerify(context, text), fenceAgentProblems(context, parsed, agents.agents)]),
    );
    problems.push(...fenceAgents);
    if (verify.ran) problems.push(...verify.problems);
    verdict = verify.ran ? `crm_verify: ${verify.problems.length === 0 ? "clean" : "found problems"}` : `crm_verify: ${verify.reason}, skipped`;
  }
  problems.forEach((problem) => out(formatProblem(problem)));
  const errors = problems.filter((p) => p.severity === "error").length;
  out(`${label}: ${errors} error${errors === 1 ? "" : "s"}, ${problems.length - errors} warning${problems.length - errors === 1 ? "" : "s"}; ${verdict}\n`);
  return errors;
}

/** `xen-ha cib check <file>`. */
export async function checkCommand(io: CliIo, agents: AgentCatalog, file: string, options: CheckOptions): Promise<void> {
  const { text, cib } = await readCibFile(io, file);
  const errors = await checkAndReport(io, agents, io.stdout, file, text, cib, options);
  if (errors > 0) throw new CliError(CliExit.Problems, `${file} has ${errors} error${errors === 1 ? "" : "s"}`);
}
