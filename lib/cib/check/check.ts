import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { error, type Problem } from "../model/problem.ts";
import { runTool, type ToolContext } from "../tools.ts";

/**
 * `xen-ha cib check`: our semantic checks (semantic.ts), then Pacemaker's own
 * crm_verify when it is installed. Tests and the library import both from here.
 */
export { semanticProblems } from "./semantic.ts";
// Reading a CIB lives with the model, so that `cib plan` reads one without loading the checks.
export { readCibText } from "../model/read-text.ts";
export type { CheckInput } from "../model/model.ts";

export type VerifyOutcome =
  | { readonly ran: true; readonly problems: readonly Problem[] }
  | { readonly ran: false; readonly reason: string };

/**
 * crm_verify on the text (without a <status>, so a configuration is checked,
 * not a cluster's state). Exit 78 carries errors and warnings alike.
 */
export async function crmVerify(context: ToolContext, text: string): Promise<VerifyOutcome> {
  const file = join(context.scratch, "verify.xml");
  await writeFile(file, text);
  // -VV: crm_verify logs its actual complaints at this level; with less it only says "config may not be valid"
  const outcome = await runTool(context, "crm_verify", ["--xml-file", file, "-VV"], { accept: [0, 78], capMs: 120_000 });
  if (!outcome.ok) {
    return outcome.unavailable
      ? { ran: false, reason: outcome.result.spawnError === "ENOENT" ? "crm_verify is not installed" : outcome.message }
      : { ran: true, problems: [error("crm_verify", undefined, outcome.message, "see crm_verify's output above")] };
  }
  if (outcome.result.exitCode === 0) return { ran: true, problems: [] };
  const lines = `${outcome.result.stderr}\n${outcome.result.stdout}`
    .split("\n")
    .map((line) => line.replace(/^\(\S+\)\s*/, "").replaceAll(`${file}:`, "line ").trim())
    .filter((line) => /error|warning/i.test(line) && !/Errors found during check|Warnings found during check|^-V may provide/.test(line))
    // a configuration checked offline has no quorum: not a finding
    .filter((line) => !/disabled due to lack of quorum/.test(line));
  const messages = lines.length > 0 ? [...new Set(lines)] : ["crm_verify rejected the configuration (exit 78)"];
  return {
    ran: true,
    problems: messages.map((message) => error("crm_verify", undefined, message, "see Pacemaker Explained for this option or element")),
  };
}
