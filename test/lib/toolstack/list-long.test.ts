import t from "tap";
import { parseXlListLong, parseXmListLong } from "../../../lib/toolstack/list-long.ts";
import { fixture } from "../../support/fixtures.ts";

const expected = [
  { domid: 7, name: "vm1", maxMemoryMiB: 2048, targetMemoryMiB: 1024 },
  { domid: 9, name: "web", maxMemoryMiB: 4096, targetMemoryMiB: 4096 },
];

t.test("xl list -l: yajl (4.17) and json-c (4.21) forms give the same domains; Domain-0's stub is skipped", async (t) => {
  for (const file of ["xl/4.17/list-l.json", "xl/4.21/list-l.json"]) {
    t.same(parseXlListLong(fixture(file)), { ok: true, value: expected }, file);
  }
});

t.test("xl list -l: the empty result", async (t) => {
  t.same(parseXlListLong(fixture("xl/4.17/list-l-empty.json")), { ok: true, value: [] });
});

t.test("xl list -l: text that is not the documented shape is an error", async (t) => {
  const cases: Record<string, string> = {
    "sxp output_format": "(domain (domid 7) (name vm1))\n",
    "an object instead of an array": '{"domid": 7}',
    "an entry without domid": '[{"config": {}}]',
    "truncated JSON": fixture("xl/4.17/list-l.json").slice(0, 200),
  };
  for (const [name, text] of Object.entries(cases)) t.equal(parseXlListLong(text).ok, false, name);
});

t.test("xm list -l: SXP with (status N) and (state ...); halted managed domains are skipped", async (t) => {
  const parsed = parseXmListLong(fixture("xl/3.4-xm/list-l.sxp"));
  t.same(parsed, {
    ok: true,
    value: [
      { domid: 15, name: "UbuntuPVS810", maxMemoryMiB: 4096, targetMemoryMiB: 4096, status: "running", stateLetters: "-b----" },
      { domid: 11, name: "0004fb00000600007c522c7d71072a52", maxMemoryMiB: 1032, targetMemoryMiB: 1030, status: "crashed", stateLetters: "----c-" },
    ],
  });
  t.equal(parseXmListLong("(domain (domid 1)").ok, false, "unbalanced parentheses");
});
