import t from "tap";
import { childNamed, childrenNamed, parseXml } from "../../../lib/xml/parse.ts";

/** The one XML reader: ordered elements, decoded attributes, lines, and refusals that say where. */
t.test("elements keep document order, attributes are decoded, comments and declarations are dropped", async (t) => {
  const result = parseXml('<?xml version="1.0"?>\n<!-- note -->\n<cib a="1 &amp; &lt;2&gt;">\n  <b id="x"/>\n  <c>text &amp; more</c>\n  <b id="y"/>\n</cib>\n');
  t.equal(result.ok, true);
  if (!result.ok) return;
  t.equal(result.root.name, "cib");
  t.same(result.root.attributes, { a: "1 & <2>" });
  t.same(result.root.children.map((c) => c.name), ["b", "c", "b"]);
  t.same(childrenNamed(result.root, "b").map((b) => b.attributes["id"]), ["x", "y"]);
  t.equal(childNamed(result.root, "c")?.text, "text & more");
  t.same(result.root.children.map((c) => c.line), [4, 5, 6], "each element knows its line");
  t.equal(result.root.line, 3);
});

const refusals: readonly (readonly [string, string, RegExp, number | undefined])[] = [
  ["a closing tag that does not match", "<a>\n<b></a>", /Expected closing tag 'b'/, 2],
  ["no element at all", "", /./, 1],
  ["two roots", "<a/>\n<b/>", /more than one root element/, undefined],
  ["plain text", "hello", /./, 1],
  ["an unquoted attribute", "<a b=c/>", /./, 1],
];
for (const [name, text, problem, line] of refusals) {
  t.test(`refused: ${name}`, async (t) => {
    const result = parseXml(text);
    t.equal(result.ok, false);
    if (result.ok) return;
    t.match(result.problem, problem);
    if (line !== undefined) t.equal(result.line, line);
  });
}

t.test("large documents with many escaped values parse (crm_simulate output of 1000 resources)", async (t) => {
  const body = Array.from({ length: 5000 }, (_, i) => `<node id="n${i}" feature_set="&lt;3.15.1"/>`).join("\n");
  const result = parseXml(`<nodes>\n${body}\n</nodes>`);
  t.equal(result.ok && result.root.children.length, 5000);
  t.equal(result.ok && result.root.children[4999]?.attributes["feature_set"], "<3.15.1");
});
