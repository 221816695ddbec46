import t from "tap";
import { splitRemoteLine } from "../../../lib/sim/host/remote-shell.ts";
import { quoteForShell } from "../../../lib/exec/ssh.ts";

const rows: readonly { line: string; words?: readonly string[]; problem?: RegExp }[] = [
  { line: "xl list vm1", words: ["xl", "list", "vm1"] },
  { line: "xl  create /etc/xen/vm1.cfg 'name=\"vm1\"'", words: ["xl", "create", "/etc/xen/vm1.cfg", 'name="vm1"'] },
  { line: `xl list 'it'\\''s'`, words: ["xl", "list", "it's"] },
  { line: 'echo "a \\" b" c\\ d', words: ["echo", 'a " b', "c d"] },
  { line: "xl list a#b x~", words: ["xl", "list", "a#b", "x~"] },
  { line: "xl list ~root", problem: /unquoted "~"/ },
  { line: "xl list #comment", problem: /unquoted "#"/ },
  { line: 'xl create x name="vm1"', words: ["xl", "create", "x", "name=vm1"] },
  { line: "xl list $(touch /tmp/x)", problem: /unquoted "\$"/ },
  { line: "xl list vm1; reboot", problem: /unquoted ";"/ },
  { line: "xl list `id`", problem: /unquoted "`"/ },
  { line: 'xl list "$HOME"', problem: /expansion \$ inside/ },
  { line: "xl list 'open", problem: /unterminated '/ },
];

for (const row of rows.filter((r) => r.words && !r.problem)) {
  t.test(`split like a shell: ${row.line}`, async (t) => {
    t.same(splitRemoteLine(row.line), { ok: true, words: row.words });
  });
}

for (const row of rows.filter((r) => r.problem && !r.words)) {
  t.test(`refused, not run: ${row.line}`, async (t) => {
    const split = splitRemoteLine(row.line);
    t.equal(split.ok, false);
    if (!split.ok) t.match(split.problem, row.problem!);
  });
}

t.test("whatever a caller quotes with quoteForShell arrives as the same words", async (t) => {
  const words = ["xl", "create", "/etc/xen/a b.cfg", 'name="vm$1"', "it's", "`id`", "a;b", "~x", "#c", "*", "\\"];
  t.same(splitRemoteLine(words.map(quoteForShell).join(" ")), { ok: true, words });
});
