import t from "tap";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { templates } from "../../../cib-templates/index.ts";
import { renderTemplate } from "../../../lib/cib/author/render.ts";
import { parseValidated } from "../../../lib/xml/parse.ts";
import { scanStrict } from "../../../lib/xml/strict-scan.ts";
import { seededRandom } from "../../support/seeded-random.ts";

/**
 * The fast reader's promise (lib/xml/strict-scan.ts): whatever it accepts,
 * fast-xml-parser's validator accepts too, and the tree is the same; what it
 * does not accept goes to fast-xml-parser, so answers and error messages do
 * not change. Tried on every XML file of the repository, every shipped
 * template's rendering, and random damage to them.
 */
const repository = fileURLToPath(new URL("../../../", import.meta.url));

function xmlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    if (["node_modules", "dist", ".git"].includes(entry)) return [];
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return xmlFiles(path);
    return entry.endsWith(".xml") ? [path] : [];
  });
}

const documents: { name: string; text: string }[] = [
  ...xmlFiles(join(repository, "test")).map((path) => ({ name: path.slice(repository.length), text: readFileSync(path, "utf8") })),
  ...templates.flatMap((template) => {
    const rendered = renderTemplate(template, {});
    return rendered.ok ? [{ name: `template ${template.name}`, text: rendered.text }] : [];
  }),
];

t.test("every XML file and template rendering: the same tree as fast-xml-parser's, or left to it", async (t) => {
  t.ok(documents.length >= 20, `${documents.length} documents`);
  let scanned = 0;
  for (const { name, text } of documents) {
    const reference = parseValidated(text);
    const fast = scanStrict(text);
    if (fast === undefined) continue;
    scanned++;
    t.ok(reference.ok, `${name}: fast-xml-parser accepts what the scan accepts`);
    t.same(fast, reference.ok ? reference.root : undefined, `${name}: same tree`);
  }
  t.ok(scanned >= documents.length / 2, `${scanned} of ${documents.length} read by the scan`);
});

const cases: readonly (readonly [string, string, boolean])[] = [
  ["declaration, comments around the root", '<?xml version="1.0" encoding="UTF-8"?>\n<!-- a -->\n<a x=" 1 "/>\n<!-- b -->\n', true],
  ["text around a comment joins; text split by a child trims each part", "<a>  one <!-- c --> two <b/> three\n</a>", true],
  ["single quotes, spaces around =", "<a x = 'it\"s' y='2'></a >", true],
  ["an entity", "<a>&amp;</a>", false],
  ["CDATA", "<a><![CDATA[x]]></a>", false],
  ["a carriage return", "<a>\r\n</a>", false],
  ["a repeated attribute", '<a x="1" x="2"/>', false],
  ["attributes without a space between", '<a x="1"y="2"/>', false],
  ["an unquoted attribute", "<a x=1/>", false],
  ["an attribute without a value", "<a x/>", false],
  ["a mismatched closing tag", "<a><b></a></b>", false],
  ["two roots", "<a/><b/>", false],
  ["text after the root", "<a/>x", false],
  ["a name fast-xml-parser refuses", "<__proto__/>", false],
  ["a name fast-xml-parser renames", '<a toString="x"/>', false],
  ["a processing instruction", "<a><?pi x?></a>", false],
  ["> in an attribute value", '<a x="1>2"/>', false],
  ["an unclosed comment", "<a><!-- x</a>", false],
  ["a declaration not at the start", ' <?xml version="1.0"?><a/>', false],
  ["nesting deeper than fast-xml-parser allows", `${"<a>".repeat(120)}${"</a>".repeat(120)}`, false],
];
for (const [name, text, scanned] of cases) {
  t.test(`${scanned ? "scanned" : "left to fast-xml-parser"}: ${name}`, async (t) => {
    const fast = scanStrict(text);
    t.equal(fast !== undefined, scanned);
    if (fast) t.same(fast, (parseValidated(text) as { root?: unknown }).root);
  });
}

t.test("random damage: the scan never accepts what fast-xml-parser refuses, and never builds another tree", async (t) => {
  const seed = 20261203;
  const random = seededRandom(seed);
  const pieces = ["<", ">", "/", "=", '"', "'", "&", "!", "?", "-", "--", "\n", "\r", "\t", " ", ":", "a", "<!--", "-->", "/>", "</", "&amp;", "\u00a0", "\ufeff", "__proto__"];
  const small = documents.filter((d) => d.text.length < 20_000);
  let accepted = 0;
  let refused = 0;
  let trials = 0;
  for (let n = 0; n < 4000; n++) {
    const source = small[Math.floor(random() * small.length)]?.text ?? "";
    let text = source;
    for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
      const at = Math.floor(random() * (text.length + 1));
      const kind = random();
      if (kind < 0.4) text = text.slice(0, at) + (pieces[Math.floor(random() * pieces.length)] ?? "") + text.slice(at);
      else if (kind < 0.8) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 4));
      else {
        const to = Math.min(text.length, at + Math.floor(random() * 40));
        text = text.slice(0, to) + text.slice(at, to) + text.slice(to);
      }
    }
    trials++;
    const fast = scanStrict(text);
    const reference = parseValidated(text);
    if (fast === undefined) {
      refused++;
      continue;
    }
    accepted++;
    if (!reference.ok || JSON.stringify(fast) !== JSON.stringify(reference.root)) {
      t.fail(`seed ${seed}, trial ${n}: the scan accepted a damaged document fast-xml-parser ${reference.ok ? "reads differently" : `refuses (${reference.problem})`}`, { text: text.slice(0, 2000) });
      return;
    }
  }
  t.ok(accepted > 100 && refused > 100, `of ${trials} damaged documents, ${accepted} read by the scan (same tree), ${refused} left to fast-xml-parser`);
});
