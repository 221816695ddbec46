import t, { type Test } from "tap";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultText, type Params } from "../../lib/ocf/params.ts";
import { ocfAgents } from "../../agents/index.ts";
import { ATTRIBUTES } from "../../agents/xen-host/attributes.ts";
import { REPO_ROOT } from "../support/install-once.ts";

/**
 * The README's parameter tables are generated from the declarations; this
 * test fails when they drift, and UPDATE_GOLDEN=1 rewrites them in place.
 */
const readmePath = join(REPO_ROOT, "README.md");

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();

function typeOf(p: Params[string]): string {
  return p.kind === "select" ? (p.choices ?? []).join(" \\| ") : p.kind;
}

export function paramsTable(params: Params): string {
  const rows = Object.entries(params).map(([name, p]) => {
    const flags = [p.required ? "required" : "", p.reloadable ? "reloadable" : ""].filter(Boolean).join(", ");
    const fallback = defaultText(p);
    return `| \`${name}\` | ${typeOf(p)} | ${fallback === undefined ? "" : `\`${fallback}\``} | ${flags} | ${cell(
      p.longdesc ?? p.shortdesc,
    )} |`;
  });
  return ["| Parameter | Type | Default | | Meaning |", "|---|---|---|---|---|", ...rows].join("\n");
}

/** The README between `<!-- MARKER:start -->` and `<!-- MARKER:end -->` must be `table`; UPDATE_GOLDEN=1 writes it. */
function generatedSection(t: Test, marker: string, table: string): void {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const readme = readFileSync(readmePath, "utf8");
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  t.ok(from >= 0 && to > from, `README has the ${start} ... ${end} markers`);
  const current = readme.slice(from + start.length, to);
  const wanted = `\n${table}\n`;
  if (process.env["UPDATE_GOLDEN"] === "1" && current !== wanted) {
    writeFileSync(readmePath, readme.slice(0, from + start.length) + wanted + readme.slice(to));
    t.pass("README table regenerated");
    return;
  }
  t.equal(current, wanted, "run UPDATE_GOLDEN=1 npx tap test/integration/readme.test.ts and review the diff");
}

for (const agent of ocfAgents) {
  t.test(`README parameter table of ${agent.name} matches its declarations`, async (t) => generatedSection(t, `params:${agent.name}`, paramsTable(agent.params)));
}

t.test("the README gives the two fresh-machine commands .ci/run executes", async (t) => {
  const readme = readFileSync(readmePath, "utf8");
  for (const name of ["demo", "test"]) {
    t.match(readme, new RegExp(`<!-- fresh-machine:${name} -->\n\`\`\`sh\n.+\n\`\`\``), name);
  }
  t.match(readFileSync(join(REPO_ROOT, ".ci", "run"), "utf8"), /readme_command demo[\s\S]*readme_command test/);
});

/** XenHost's node attributes, from their one declaration (agents/xen-host/attributes.ts). */
t.test("README attribute table of XenHost matches its declaration", async (t) => {
  const rows = Object.values(ATTRIBUTES).map((a) => `| \`${a.name}\` | ${a.everyMonitor ? "every monitor" : "when changed"} | ${cell(a.meaning)} |`);
  generatedSection(t, "attributes:XenHost", ["| Attribute | Written | Meaning |", "|---|---|---|", ...rows].join("\n"));
});
