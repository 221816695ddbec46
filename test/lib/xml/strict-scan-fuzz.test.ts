import t from "tap";
import { parseValidated, parseXml, type ParsedXml } from "../../../lib/xml/parse.ts";
import { scanStrict } from "../../../lib/xml/strict-scan.ts";
import { seededRandom } from "../../support/seeded-random.ts";

/**
 * A differential fuzzer for lib/xml/strict-scan.ts against the validating
 * path (fast-xml-parser's validator and parser, parse.ts's parseValidated):
 * documents generated from a grammar of what people and tools write, and of
 * what they get wrong (quotes, spaces and newlines around `=`, `>` in values,
 * duplicate and value-less attributes, names with `.` `-` `:` digits and
 * non-ASCII letters, NUL and control characters, lone surrogates, `]]>`,
 * `--` in comments, comments and text around the root, a second root,
 * unclosed and mismatched tags, `<a / >`, nesting around both depth limits,
 * declarations with odd pseudo-attributes or not at the start), each then
 * maybe damaged at random. For every document: when the scan accepts, the
 * validator accepts and the tree is the same (names, attributes in order,
 * text, lines); when the validating path refuses, parseXml refuses with a
 * problem and a line, and never throws.
 *
 * XEN_HA_FUZZ_CASES=200000 runs more; XEN_HA_FUZZ_SEED=n replays one seed.
 */
const CASES = Number(process.env["XEN_HA_FUZZ_CASES"] ?? 6000);
const SEED = Number(process.env["XEN_HA_FUZZ_SEED"] ?? 20261203);

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const chance = (random: Random, p: number): boolean => random() < p;
/** How hostile the current document is (0: every choice a plain one), drawn per document so that many come out well-formed. */
let hostility = 1;
const slip = (random: Random, p: number): boolean => random() < p * hostility;

const NAMES = ["a", "b", "cib", "nvpair", "x.y", "a-b", "ns:tag", "_u", "a1", "A", ":a", "a:b:c", "xmlns:x", "é", "名前", "aé", "a·b", "1a", "-a", ".a", "toString", "__proto__", "constructor", "prototype", "valueOf", "a\u0301", "#text", "?x"];
const VALUE_PIECES = ["v", "1", " ", "  ", "\t", "\n", "'", '"', ">", "<", "/", "=", "&amp;", "&", "]]>", "--", "\0", "\u0001", "\u001f", "\u007f", "\ud800", "\udc00", "😀", "é", "\u00a0", "\u2028", "\ufeff", "\r", "\f", "\v", "?>", "x y"];
const TEXT_PIECES = [...VALUE_PIECES, "text", "<", "</", "-->", "<!--", "\n  ", "0", "true"];
/** The pieces the scan itself reads (no `<`, `&`, carriage return): where a tree can differ. */
const quiet = (pieces: readonly string[]): string[] => pieces.filter((piece) => !/[<&\r>]/.test(piece));
const QUIET_VALUE_PIECES = quiet(VALUE_PIECES);
const QUIET_TEXT_PIECES = [...quiet(TEXT_PIECES), ">", "]]>"];
const SPACES = ["", " ", "\t", "\n", " \n\t ", "  "];
const COMMENT_BODIES = ["", " c ", "a--b", "-", "--", " -", "> <a>", "\n", "é\0", "<!--", "]]>"];

function name(random: Random): string {
  if (!slip(random, 0.2)) return pick(random, NAMES.slice(0, 9));
  if (chance(random, 0.5)) return pick(random, NAMES);
  const chars = "abcXYZ_:.-09é";
  let out = "";
  for (let n = 1 + Math.floor(random() * 6); n > 0; n--) out += pick(random, [...chars]);
  return out;
}

function joined(random: Random, pieces: readonly string[], max: number): string {
  let out = "";
  for (let n = Math.floor(random() * (max + 1)); n > 0; n--) out += pick(random, pieces);
  return out;
}

function attributes(random: Random): string {
  let out = "";
  const used: string[] = [];
  for (let n = Math.floor(random() * 4); n > 0; n--) {
    const duplicate = used.length > 0 && slip(random, 0.05);
    const attribute = duplicate ? pick(random, used) : pick(random, ["id", "name", "value", "x", "y.z", "ns:a", "a-b", "_1"].concat(chance(random, 0.1) ? NAMES : []));
    used.push(attribute);
    const separator = !slip(random, 0.05) ? pick(random, [" ", " ", "\t", "\n", "  \n  "]) : "";
    if (slip(random, 0.03)) {
      out += `${separator}${attribute}`; // no value
      continue;
    }
    const quote = chance(random, 0.7) ? '"' : "'";
    const kind = random();
    let value = kind < 0.5 ? pick(random, ["1", "", "a b", " padded ", "node-1", "x:y"]) : joined(random, !slip(random, 0.1) ? QUIET_VALUE_PIECES : VALUE_PIECES, 4);
    if (!slip(random, 0.15)) value = value.replaceAll(quote, "");
    const equals = `${chance(random, 0.8) ? "" : pick(random, SPACES)}=${chance(random, 0.8) ? "" : pick(random, SPACES)}`;
    out += `${separator}${attribute}${!slip(random, 0.02) ? equals : " "}${!slip(random, 0.02) ? quote : ""}${value}${quote}`;
  }
  return out;
}

function comment(random: Random): string {
  return `<!--${pick(random, COMMENT_BODIES)}${!slip(random, 0.03) ? "-->" : "->"}`;
}

function text(random: Random): string {
  const kind = random();
  return kind < 0.5 ? pick(random, ["", "\n  ", " x ", "value"]) : joined(random, !slip(random, 0.1) ? QUIET_TEXT_PIECES : TEXT_PIECES, 3);
}

function element(random: Random, depth: number): string {
  const tag = name(random);
  const attrs = attributes(random);
  const end = chance(random, 0.9) ? "" : pick(random, SPACES);
  if (depth <= 0 || chance(random, 0.25)) {
    const slash = !slip(random, 0.3) ? pick(random, ["/>", " />", "\n/>"]) : pick(random, ["/ >", " / >", "/"]);
    return `<${tag}${attrs}${end}${slash}`;
  }
  let body = text(random);
  for (let n = Math.floor(random() * 4); n > 0; n--) {
    body += chance(random, 0.15) ? comment(random) : element(random, depth - 1);
    body += text(random);
  }
  const close = !slip(random, 0.05) ? tag : pick(random, [tag.toUpperCase(), `${tag}x`, name(random), ""]);
  const closing = !slip(random, 0.03) ? `</${close}${chance(random, 0.9) ? "" : pick(random, SPACES)}>` : "";
  return `<${tag}${attrs}${end}>${body}${closing}`;
}

/** A chain of `depth` elements, around the scan's limit (90) and fast-xml-parser's (100). */
function deep(random: Random): string {
  const depth = 85 + Math.floor(random() * 20);
  const names = Array.from({ length: depth }, () => pick(random, ["a", "b", "c"]));
  return `${names.map((n) => `<${n}>`).join("")}${text(random)}${names.reverse().map((n) => `</${n}>`).join("")}`;
}

const DECLARATIONS = [
  '<?xml version="1.0"?>',
  "<?xml version='1.0' encoding='UTF-8'?>",
  '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
  '<?xml  version = "1.0"\n?>',
  '<?xml version="1.0" odd="x>y"?>',
  '<?xml version="?>"?>',
  "<?xml?>",
  '<?xml version="1.0" weird?>',
  '<?xml\tfoo="bar"?>',
  '<?xml-stylesheet href="a"?>',
  '<?XML version="1.0"?>',
  '<?xml version="1.0"',
];

function document(random: Random): string {
  hostility = pick(random, [0, 0.2, 1]);
  let out = "";
  if (chance(random, 0.3)) out += pick(random, slip(random, 0.5) ? DECLARATIONS : DECLARATIONS.slice(0, 4));
  if (slip(random, 0.2)) out += pick(random, ["\n", " ", "\ufeff", "\r\n", "x"]);
  if (chance(random, 0.2)) out += comment(random) + "\n";
  out += chance(random, 0.05) ? deep(random) : element(random, 1 + Math.floor(random() * 5));
  if (chance(random, 0.2)) out += pick(random, ["\n", "\n\n", " ", "\t"]);
  if (chance(random, 0.1)) out += comment(random);
  if (slip(random, 0.04)) out += element(random, 1); // a second root
  if (slip(random, 0.04)) out += pick(random, ["x", "\u00a0", "\0", "]]>", '<?xml version="1.0"?>']);
  return out;
}

/** Random damage: an inserted piece, a deleted run, a duplicated run. */
function damage(random: Random, source: string): string {
  let out = source;
  for (let edits = 1 + Math.floor(random() * 2); edits > 0; edits--) {
    const at = Math.floor(random() * (out.length + 1));
    const kind = random();
    if (kind < 0.45) out = out.slice(0, at) + pick(random, [...TEXT_PIECES, "<a>", "</a>", "/>", "<!--", "=", "<?xml"]) + out.slice(at);
    else if (kind < 0.8) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(random() * 4));
    else {
      const to = Math.min(out.length, at + Math.floor(random() * 30));
      out = out.slice(0, to) + out.slice(at, to) + out.slice(to);
    }
  }
  return out;
}

/** The validating path, with a throw reported as a value: what the comparison needs to see. */
function reference(text: string): ParsedXml | { thrown: string } {
  try {
    return parseValidated(text);
  } catch (error) {
    return { thrown: (error as Error).message };
  }
}

/** Why the scan's answer for `text` breaks its promise, or undefined when it keeps it. */
export function disagreement(text: string): string | undefined {
  const want = reference(text);
  let through: ParsedXml;
  try {
    through = parseXml(text);
  } catch (error) {
    return `parseXml throws (${(error as Error).message}) instead of answering`;
  }
  if ("thrown" in want) return `the validating path throws (${want.thrown}) instead of answering`;
  if (!want.ok && (through.ok || typeof through.problem !== "string" || through.problem === "")) return "malformed, yet parseXml has no problem to report";
  const fast = scanStrict(text);
  if (fast === undefined) return undefined;
  if (!want.ok) return `the scan accepts what fast-xml-parser refuses (${want.problem})`;
  if (JSON.stringify(fast) !== JSON.stringify(want.root)) return "the scan builds another tree";
  return undefined;
}

/** The shortest damage-free shrink of a failing document that still fails the same way (for a readable report). */
function shrink(text: string, why: string): string {
  let current = text;
  for (let size = Math.max(1, current.length >> 1); size >= 1; size = size >> 1) {
    for (let at = 0; at + size <= current.length; ) {
      const candidate = current.slice(0, at) + current.slice(at + size);
      if (disagreement(candidate) === why) current = candidate;
      else at += size;
    }
  }
  return current;
}

t.test(`generated and damaged documents (seed ${SEED}, ${CASES} cases): the scan agrees with fast-xml-parser`, async (t) => {
  const random = seededRandom(SEED);
  let scanned = 0;
  let refusedByBoth = 0;
  let failures = 0;
  for (let n = 0; n < CASES; n++) {
    const generated = document(random);
    const text = chance(random, 0.3) ? damage(random, generated) : generated;
    const why = disagreement(text);
    if (scanStrict(text) !== undefined) scanned++;
    else if (!("thrown" in reference(text)) && !(reference(text) as { ok: boolean }).ok) refusedByBoth++;
    if (why !== undefined) {
      failures++;
      t.fail(`seed ${SEED}, case ${n}: ${why}`, { text: JSON.stringify(shrink(text, why)) });
      if (failures >= 5) return;
    }
  }
  t.ok(scanned > CASES / 10, `${scanned} of ${CASES} read by the scan with the same tree`);
  t.ok(refusedByBoth > CASES / 10, `${refusedByBoth} of ${CASES} refused by fast-xml-parser, with a problem through parseXml`);
});

t.test("a large document (512 KiB; XEN_HA_FUZZ_LARGE=1: 10 MiB): the same tree on both paths", async (t) => {
  const random = seededRandom(SEED + 1);
  const target = process.env["XEN_HA_FUZZ_LARGE"] ? 10 << 20 : 512 << 10;
  const parts = ['<?xml version="1.0"?>\n<cib>\n'];
  let size = parts[0]!.length;
  while (size < target) {
    const piece = `  ${element(random, 3).replace(/[^\n -~]|&|\r/g, "")}\n`;
    if (scanStrict(`<r>${piece}</r>`) === undefined) continue;
    parts.push(piece);
    size += piece.length;
  }
  parts.push("</cib>\n");
  const text = parts.join("");
  let started = performance.now();
  const fast = scanStrict(text);
  t.comment(`scan: ${Math.round(performance.now() - started)} ms`);
  started = performance.now();
  reference(text);
  t.comment(`fast-xml-parser's validator and parser: ${Math.round(performance.now() - started)} ms`);
  t.ok(fast, `${text.length} bytes, ${parts.length - 2} elements read by the scan`);
  t.equal(disagreement(text), undefined);
});

/** Found by this fuzzer: the validator passes them, fast-xml-parser's parser throws; parseXml must answer a problem. */
const rows: readonly (readonly [string, string])[] = [
  ["a document cut after the root's `/`", "<a/"],
  ["cut after a self-closing root's attributes", "<ns:tag x='1'/"],
  ["an attribute named prototype", "<nvpair a='' prototype=''></nvpair>"],
  ["an element named prototype", "<prototype/>"],
  ["nesting fast-xml-parser's validator accepts and its parser refuses (102)", `${"<a>".repeat(102)}${"</a>".repeat(102)}`],
  ["nesting at fast-xml-parser's limit (101)", `${"<a>".repeat(101)}${"</a>".repeat(101)}`],
  ["nesting at the scan's limit (90)", `${"<a>".repeat(90)}${"</a>".repeat(90)}`],
  ["mismatched case", "<a></A>"],
  ["self-closing with spaces", "<a / >"],
  ["a second root after a comment", "<a/><!-- c --><b/>"],
  ["a lone surrogate and NUL in text and values", '<a x="\ud800\0">\udc00\0</a>'],
  ["]]> in text", "<a>]]></a>"],
  ["-- in a comment", "<a><!-- a -- b --></a>"],
];
for (const [label, text] of rows) {
  t.test(`row: ${label}`, async (t) => {
    t.equal(disagreement(text), undefined);
  });
}

