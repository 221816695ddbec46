import t from "tap";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fenceXenParams } from "../../../agents/fence-xen/params.ts";
import { parseFenceStdin, readFenceInput } from "../../../lib/fence/fence-input.ts";
import { fenceXenLetters } from "../../../agents/fence-xen/params.ts";
import { stdinOf } from "../../support/capture-io.ts";
import { UPDATE_GOLDEN } from "../../support/golden.ts";

/**
 * fence_xen's stdin, case by case, beside what fence-agents' fencing.py
 * (`_parse_input_stdin`) reads from the same bytes. Each row states what
 * fencing.py reads (checked against fencing.py itself when it is installed),
 * what fence_xen reads when that differs, and what fence_xen refuses. The
 * table in doc/fence-input.md is rendered from these rows (UPDATE_GOLDEN=1).
 */
interface StdinCase {
  readonly name: string;
  readonly text: string;
  /** What fencing.py reads, by fence_xen's parameter names; booleans as fencing.py stores them ("1"/"0"). */
  readonly fencing: Readonly<Record<string, string>>;
  /** Keys fencing.py warns about and ignores. */
  readonly unknown?: readonly string[];
  /** What fence_xen reads, where it differs from fencing.py, and why. */
  readonly ours?: { readonly values: Readonly<Record<string, string>>; readonly unknown?: readonly string[]; readonly why: string };
  /** fence_xen's refusal of the input, if any (a reason it prints). */
  readonly refused?: string;
}

const CASES: readonly StdinCase[] = [
  { name: "what Pacemaker 2.1 sends", text: "action=off\nport=vm1\nnodename=node1\n", fencing: { action: "off", plug: "vm1" } },
  { name: "spaces around =: the key keeps its space", text: "action = off\nport = vm1\n", fencing: {}, unknown: ["action ", "port "] },
  { name: "a space after =: the value keeps it", text: "port= vm1\n", fencing: { plug: " vm1" }, refused: 'plug: " vm1" has surrounding white space' },
  { name: "white space around the line goes", text: "  \tport=vm1 \t\n", fencing: { plug: "vm1" } },
  { name: "CRLF line ends", text: "action=off\r\nport=vm1\r\n", fencing: { action: "off", plug: "vm1" } },
  { name: "a lone CR does not end a line", text: "action=off\rport=vm1\n", fencing: { action: "off\rport=vm1" }, refused: "action: \"off\\rport=vm1\" holds a control character" },
  { name: "Python's white space is stripped too (\\x1c, NBSP)", text: "port=vm1\u001c\n\u00a0action=off\n", fencing: { plug: "vm1", action: "off" } },
  { name: "a byte order mark belongs to the first key", text: "\ufeffport=vm1\n", fencing: {}, unknown: ["\ufeffport"] },
  { name: "comment and blank lines are skipped", text: "# port=vm2\n\n   # indented comment\nport=vm1\n", fencing: { plug: "vm1" } },
  { name: "no inline comments: # is part of the value", text: "port=vm1 # the guest\n", fencing: { plug: "vm1 # the guest" } },
  { name: "duplicates: the last one wins", text: "port=vm2\nport=vm1\n", fencing: { plug: "vm1" } },
  { name: "an alias and its name are one key: the last one wins", text: "plug=vm2\nport=vm1\nlogin=a\nusername=b\n", fencing: { plug: "vm1", username: "b" } },
  { name: "one pair of double quotes is removed", text: 'port="vm1"\n', fencing: { plug: "vm1" } },
  { name: "single quotes stay", text: "port='vm1'\n", fencing: { plug: "'vm1'" } },
  { name: "a lone double quote stays", text: 'port="vm1\n', fencing: { plug: '"vm1' } },
  { name: "quotes around spaces keep the spaces", text: 'port=" vm1"\n', fencing: { plug: " vm1" }, refused: 'plug: " vm1" has surrounding white space' },
  { name: "quotes around the key are part of the key", text: '"port"=vm1\n', fencing: {}, unknown: ['"port"'] },
  { name: "an empty value is an unset option", text: "port=\n", fencing: { plug: "" } },
  { name: "a key without = has an empty value", text: "port\n", fencing: { plug: "" } },
  { name: "= inside a value stays", text: "port=a=b\n", fencing: { plug: "a=b" } },
  {
    name: "- and _ are the same in a key",
    text: "power-timeout=30\npower_wait=1\nmissing-as-off=1\ndom0-list=local\nidentity-file=/k\n",
    fencing: { power_timeout: "30", power_wait: "1", missing_as_off: "1", dom0_list: "local", identity_file: "/k" },
  },
  { name: "keys are case-sensitive", text: "Port=vm1\nACTION=off\n", fencing: {}, unknown: ["Port", "ACTION"] },
  { name: "unknown keys are ignored with a warning; nodename quietly", text: "frobnicate=1\nnodename=n1\nport=vm1\n", fencing: { plug: "vm1" }, unknown: ["frobnicate"] },
  {
    name: "nodeid and agent: fencing.py warns, fence_xen ignores them quietly",
    text: "nodeid=2\nagent=fence_xen\nport=vm1\n",
    fencing: { plug: "vm1" },
    unknown: ["nodeid", "agent"],
    ours: { values: { plug: "vm1" }, unknown: [], why: "Pacemaker sends them; a warning in every fence would be noise" },
  },
  { name: "a NUL in a value", text: "port=vm1\u0000\n", fencing: { plug: "vm1\u0000" }, refused: 'plug: "vm1\\u0000" holds a control character' },
  { name: "booleans: yes/on/true/1 and no/off/false/0", text: "verbose=yes\nmissing_as_off=off\ndump_core=TRUE\n", fencing: { verbose: "1", missing_as_off: "0", dump_core: "1" } },
  {
    name: "a boolean that is no boolean",
    text: "missing_as_off=maybe\n",
    fencing: {},
    ours: { values: { missing_as_off: "maybe" }, why: "fencing.py ignores it with a warning; fence_xen then refuses it as no boolean" },
  },
  {
    name: "option, the old name of action",
    text: "option=off\n",
    fencing: {},
    unknown: ["option"],
    ours: { values: { action: "off" }, unknown: [], why: "fence_xen keeps the name older fencing.py versions and fence_legacy used" },
  },
];

/** fence_xen's parameter -> fencing.py's option key, where fencing.py declares the option under another name. */
const FENCING_KEY: Readonly<Record<string, string>> = { plug: "port", username: "login", debug_file: "debug" };

/** fencing.py's boolean rule (_parse_input_stdin): anything else is dropped with a warning. */
function asFencingReads(values: ReadonlyMap<string, string>): Record<string, string> {
  const read: Record<string, string> = {};
  for (const [name, value] of values) {
    if (fenceXenParams[name as keyof typeof fenceXenParams]?.kind !== "boolean") read[name] = value;
    else if (["1", "yes", "on", "true"].includes(value.toLowerCase())) read[name] = "1";
    else if (["0", "no", "off", "false"].includes(value.toLowerCase())) read[name] = "0";
  }
  return read;
}

for (const c of CASES) {
  t.test(`stdin: ${c.name}`, async (t) => {
    const parsed = parseFenceStdin(c.text, fenceXenParams);
    const expected = c.ours?.values ?? c.fencing;
    if (c.ours) t.same(Object.fromEntries(parsed.values), expected, `fence_xen reads: ${c.ours.why}`);
    else t.same(asFencingReads(parsed.values), expected, "fence_xen reads what fencing.py reads");
    t.same(parsed.ignored, c.ours?.unknown ?? c.unknown ?? [], "the same keys are ignored");
    const input = await readFenceInput([], stdinOf(c.text), fenceXenParams, fenceXenLetters);
    t.same(input.problems, c.refused ? [c.refused] : [], c.refused ? "refused, with the reason" : "accepted");
  });
}

/** Oracle: fencing.py's own parser, run on the same bytes (test/agents/fence-xen/fencing-stdin.py). */
const PYTHON = "/usr/bin/python3";
const FENCING = "/usr/share/fence/fencing.py";
const probe = existsSync(PYTHON) && existsSync(FENCING) ? spawnSync(PYTHON, ["-c", "import sys; sys.path.insert(0, '/usr/share/fence'); import fencing"]) : undefined;
const oracleSkip =
  probe === undefined ? `needs ${PYTHON} and ${FENCING} (fence-agents)` : probe.status !== 0 ? `fencing.py does not import: ${probe.stderr.toString().trim().split("\n").pop()}` : false;

t.test("fencing.py itself reads each row as the table says", { skip: oracleSkip }, async (t) => {
  const spec = Object.entries(fenceXenParams).map(([name, p]) => ({
    name,
    key: FENCING_KEY[name] ?? name,
    longopt: name.replace(/_/g, "-"),
    boolean: p.kind === "boolean",
  }));
  const driver = fileURLToPath(new URL("fencing-stdin.py", import.meta.url));
  for (const c of CASES) {
    const run = spawnSync(PYTHON, [driver, JSON.stringify(spec)], { input: Buffer.from(c.text, "utf8"), env: { PATH: "/usr/bin:/bin", LC_ALL: "C.UTF-8" } });
    t.equal(run.status, 0, `${c.name}: the oracle ran (${run.stderr.toString().trim()})`);
    const answer = JSON.parse(run.stdout.toString()) as { values: Record<string, string>; warnings: string[] };
    t.same(answer.values, c.fencing, `${c.name}: fencing.py reads ${JSON.stringify(c.fencing)}`);
    const unknown = answer.warnings
      .map((w) => /^Parse error: Ignoring unknown option '(.*)'$/s.exec(w)?.[1])
      .filter((line): line is string => line !== undefined)
      .map((line) => line.split("=")[0] ?? "");
    t.same(unknown, c.unknown ?? [], `${c.name}: fencing.py warns about ${JSON.stringify(c.unknown ?? [])}`);
  }
});

/** Text as the table shows it: \n, \r, \t and every other invisible character escaped, `|` made safe for Markdown. */
const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
const cell = (text: string): string =>
  text
    .replace(/[\u0000-\u001f\u007f-\u00a0\u2000-\u200f\u2028\u2029\ufeff]/g, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replace(/\|/g, "\\|");
const reads = (values: Readonly<Record<string, string>>, unknown: readonly string[] = []): string =>
  [
    ...Object.entries(values).map(([k, v]) => `\`${cell(k)}="${cell(v)}"\``),
    ...unknown.map((k) => `ignores \`${cell(k)}\``),
  ].join(", ") || "nothing";

function renderTable(): string {
  const rows = CASES.map((c, i) => {
    const ours = c.ours ? `${reads(c.ours.values, c.ours.unknown ?? c.unknown)} (${c.ours.why})` : "the same";
    const verdict = c.refused ? `refused: ${cell(c.refused)}` : "pass";
    return `| ${i + 1} | ${c.name} | \`${cell(c.text)}\` | ${reads(c.fencing, c.unknown)} | ${ours} | ${verdict} |`;
  });
  return ["| # | Case | stdin | fencing.py reads | fence_xen reads | fence_xen's value rules (§2) |", "|---|---|---|---|---|---|", ...rows].join("\n");
}

t.test("doc/fence-input.md holds this table", async (t) => {
  const file = fileURLToPath(new URL("../../../doc/fence-input.md", import.meta.url));
  const [begin, end] = ["<!-- stdin-table: begin (test/agents/fence-xen/stdin.test.ts, UPDATE_GOLDEN=1) -->", "<!-- stdin-table: end -->"];
  const doc = readFileSync(file, "utf8");
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  t.ok(from >= 0 && to > from, "the table's markers are there");
  const rendered = `${begin}\n${renderTable()}\n${end}`;
  if (UPDATE_GOLDEN) writeFileSync(file, doc.slice(0, from) + rendered + doc.slice(to + end.length));
  t.equal(readFileSync(file, "utf8").slice(from, from + rendered.length), rendered);
});
