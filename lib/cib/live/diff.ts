import type { Change } from "./merge.ts";

/**
 * The difference a load makes, for a human: one line per added or changed
 * element, and for changed elements the lines that differ (a plain LCS line
 * diff of their indented XML).
 */
function lineDiff(before: string, after: string): string[] {
  const a = before.trimEnd().split("\n");
  const b = after.trimEnd().split("\n");
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] = a[i] === b[j] ? ((lcs[i + 1] as number[])[j + 1] ?? 0) + 1 : Math.max((lcs[i + 1] as number[])[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (i < a.length && (j === b.length || ((lcs[i + 1] as number[])[j] ?? 0) >= ((lcs[i] as number[])[j + 1] ?? 0))) {
      out.push(`- ${a[i++] ?? ""}`);
    } else {
      out.push(`+ ${b[j++] ?? ""}`);
    }
  }
  return out;
}

const isOption = (change: Change): boolean => change.what.includes(" option ");

export function formatChanges(changes: readonly Change[]): string {
  const out: string[] = [];
  for (const change of changes) {
    if (change.kind === "same") continue;
    if (isOption(change)) {
      out.push(change.kind === "add" ? `  + ${change.what} = ${change.after}\n` : `  ~ ${change.what}: ${change.before ?? ""} -> ${change.after}\n`);
    } else if (change.kind === "add") {
      out.push(`  + ${change.what}\n`);
    } else {
      out.push(`  ~ ${change.what}\n`, ...lineDiff(change.before ?? "", change.after).map((line) => `      ${line}\n`));
    }
  }
  const same = changes.filter((c) => c.kind === "same").length;
  if (same > 0) out.push(`  = ${same} element${same === 1 ? "" : "s"} already as in the file\n`);
  return out.join("");
}
