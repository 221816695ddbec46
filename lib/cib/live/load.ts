import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseXml, type XmlElement } from "../../xml/parse.ts";
import { crmVerify, semanticProblems } from "../check/check.ts";
import type { AgentCatalog } from "../model/agents.ts";
import { formatChanges } from "./diff.ts";
import { mergeInto } from "./merge.ts";
import { readCib } from "../model/model.ts";
import { formatProblem } from "../model/problem.ts";
import { runTool, type ToolContext } from "../tools.ts";
import { writeXml } from "../model/write.ts";

/**
 * `xen-ha cib load`: read the CIB (live, or CIB_file), merge the file into it,
 * show the difference, check the result with our checks and crm_verify (a dry
 * run stops here, so it says whether the load would go through), stage it in a
 * private shadow CIB (cibadmin validates it against the schema there), and
 * only then replace the configuration section - refusing if the configuration
 * changed since it was read.
 */
export type LoadResult =
  | { readonly ok: true; readonly report: string }
  | { readonly ok: false; readonly reason: "input" | "unreachable" | "problems" | "failed"; readonly message: string; readonly report: string };

const SHADOW = "xen-ha-load";
// The configuration's version: num_updates is left out because status updates
// bump it all the time on a live cluster, and only the configuration is replaced.
const versionOf = (cib: XmlElement): string => ["admin_epoch", "epoch"].map((name) => cib.attributes[name] ?? "0").join(".");

async function queryCib(context: ToolContext): Promise<{ ok: true; cib: XmlElement } | { ok: false; message: string }> {
  const query = await runTool(context, "cibadmin", ["--query"], { capMs: 60_000 });
  if (!query.ok) return { ok: false, message: `cannot read the CIB: ${query.message}` };
  const parsed = parseXml(query.result.stdout);
  return parsed.ok ? { ok: true, cib: parsed.root } : { ok: false, message: `the CIB cibadmin returned is not XML: ${parsed.problem}` };
}

const withoutStatus = (cib: XmlElement): XmlElement => ({ ...cib, children: cib.children.filter((c) => c.name !== "status") });

export async function loadCib(context: ToolContext, fileText: string, options: { readonly dryRun: boolean; readonly agents: AgentCatalog }): Promise<LoadResult> {
  const where = context.env["CIB_file"] ? `CIB_file ${context.env["CIB_file"]}` : "the live CIB";
  const incoming = parseXml(fileText);
  if (!incoming.ok) return { ok: false, reason: "input", message: `not well-formed XML${incoming.line ? ` (line ${incoming.line})` : ""}: ${incoming.problem}`, report: "" };
  const live = await queryCib(context);
  if (!live.ok) return { ok: false, reason: "unreachable", message: `${where}: ${live.message}`, report: "" };
  const merged = mergeInto(live.cib, incoming.root);
  if (!merged.ok) return { ok: false, reason: "input", message: merged.problem, report: "" };

  const changed = merged.changes.filter((c) => c.kind !== "same").length;
  let report = `difference against ${where} (version ${versionOf(live.cib)}); nothing is removed:\n${formatChanges(merged.changes)}`;
  report += merged.notes.map((note) => `  note: ${note}\n`).join("");
  if (changed === 0) return { ok: true, report: `${report}nothing to change\n` };

  const candidate = readCib(merged.cib);
  if (!candidate.ok) return { ok: false, reason: "problems", message: candidate.problem, report };
  const verify = await crmVerify(context, writeXml(withoutStatus(merged.cib)));
  const problems = [...semanticProblems(candidate.cib, options.agents), ...(verify.ran ? verify.problems : [])];
  const errors = problems.filter((p) => p.severity === "error");
  report += problems.map(formatProblem).join("");
  if (!verify.ran) report += `crm_verify: ${verify.reason}, skipped\n`;
  if (errors.length > 0) {
    const count = `${errors.length} error${errors.length === 1 ? "" : "s"}`;
    return { ok: false, reason: "problems", message: options.dryRun ? `dry run: a load would be refused, the result would have ${count}` : `not loaded: the result would have ${count}`, report };
  }
  if (options.dryRun) return { ok: true, report: `${report}dry run: the checks pass, nothing applied\n` };

  const shadowEnv = { CIB_shadow: SHADOW, CIB_file: undefined };
  const candidateFile = join(context.scratch, "candidate.xml");
  const configFile = join(context.scratch, "configuration.xml");
  await writeFile(candidateFile, writeXml(merged.cib));
  const shadow = await runTool(context, "crm_shadow", ["--batch", "--create-empty", SHADOW], { env: { CIB_shadow: undefined, CIB_file: undefined } });
  if (!shadow.ok) return { ok: false, reason: "failed", message: `creating a shadow CIB: ${shadow.message}`, report };
  const staged = await runTool(context, "cibadmin", ["--replace", "--xml-file", candidateFile], { env: shadowEnv });
  if (!staged.ok) return { ok: false, reason: "problems", message: `the shadow CIB refused the result: ${staged.message}`, report };
  const configuration = await runTool(context, "cibadmin", ["--query", "--scope", "configuration"], { env: shadowEnv });
  if (!configuration.ok) return { ok: false, reason: "failed", message: `reading the shadow CIB: ${configuration.message}`, report };
  await writeFile(configFile, configuration.result.stdout);

  const again = await queryCib(context);
  if (!again.ok) return { ok: false, reason: "unreachable", message: `${where}: ${again.message}`, report };
  if (versionOf(again.cib) !== versionOf(live.cib)) {
    return { ok: false, reason: "failed", message: `${where} changed while loading (version ${versionOf(live.cib)} -> ${versionOf(again.cib)}); nothing applied, run load again`, report };
  }
  const applied = await runTool(context, "cibadmin", ["--replace", "--scope", "configuration", "--xml-file", configFile], { capMs: 120_000 });
  if (!applied.ok) return { ok: false, reason: "failed", message: `applying: ${applied.message}`, report };
  return { ok: true, report: `${report}applied ${changed} change${changed === 1 ? "" : "s"} to ${where}\n` };
}
