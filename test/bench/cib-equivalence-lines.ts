import { createHash } from "node:crypto";
import { findTemplate } from "../../cib-templates/index.ts";
import { readCibText, semanticProblems } from "../../lib/cib/check/check.ts";
import { renderTemplate } from "../../lib/cib/author/render.ts";
import { formatProblem } from "../../lib/cib/model/problem.ts";
import { planCib } from "../../lib/cib/plan/plan.ts";
import { formatPlan } from "../../lib/cib/plan/plan-report.ts";
import { shippedAgents } from "../lib/cib/support/agents.ts";
import { easyValues, hardValues } from "./cib-clusters.ts";

/** The clusters compared: the benchmark's hard and easy cases. */
export const EQUIVALENCE_CLUSTERS = [
  { name: "hard 16x1000", template: "n-plus-m", values: hardValues(16, 1000) },
  { name: "hard 16x180", template: "n-plus-m", values: hardValues(16, 180) },
  { name: "hard 5x180", template: "n-plus-m", values: hardValues(5, 180) },
  { name: "easy 16x1000", template: "n-plus-n", values: easyValues(16, 1000) },
  { name: "easy 4x100", template: "n-plus-n", values: easyValues(4, 100) },
] as const;

const sha = (text: string): string => createHash("sha256").update(text).digest("hex");

/** One line per cluster and output: its name, the output's sha256 and its length. */
export function equivalenceLines(clusters: readonly (typeof EQUIVALENCE_CLUSTERS)[number][] = EQUIVALENCE_CLUSTERS): string[] {
  const lines: string[] = [];
  for (const cluster of clusters) {
    const template = findTemplate(cluster.template);
    if (!template) throw new Error(`template ${cluster.template} missing`);
    const rendered = renderTemplate(template, cluster.values);
    if (!rendered.ok) throw new Error(rendered.problems.join("; "));
    const read = readCibText(rendered.text);
    if (!read.ok) throw new Error(read.problem);
    const outputs: [string, string][] = [
      ["render", rendered.text],
      ["check", semanticProblems(read.cib, shippedAgents).map(formatProblem).join("")],
      ["plan", formatPlan(planCib(read.cib))],
      ["plan --failures 2", formatPlan(planCib(read.cib, { failures: 2 }))],
    ];
    for (const [what, text] of outputs) lines.push(`${cluster.name.padEnd(13)} ${what.padEnd(17)} ${sha(text)} ${text.length}`);
  }
  return lines;
}
