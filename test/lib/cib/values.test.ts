import t from "tap";
import { closestName, didYouMean } from "../../../lib/cib/model/closest.ts";
import { parseAssignments, parseValuesFile } from "../../../lib/cib/author/values.ts";

/** How admins give template values, and how typos get their suggestion. */
t.test("--set values: name=value, the value may contain '='", async (t) => {
  t.same(parseAssignments(["domains=a,b", "config_path=/etc/xen/{name}.cfg", "x=a=b"]), {
    ok: true,
    values: { domains: "a,b", config_path: "/etc/xen/{name}.cfg", x: "a=b" },
  });
  t.same(parseAssignments(["domains", "=x", "bad name=1"]), {
    ok: false,
    problems: ["--set: 'domains' is not name=value", "--set: '=x' is not name=value", "--set: 'bad name=1' is not name=value"],
  });
});

t.test("values files: comments and blank lines are skipped, the last value wins, problems name the line", async (t) => {
  t.same(parseValuesFile("# hosts\n\nnodes=xen01,xen02\r\nnodes = xen01,xen03 \n", "v.txt"), { ok: true, values: { nodes: "xen01,xen03" } });
  t.same(parseValuesFile("nodes=a\noops\n", "v.txt"), { ok: false, problems: ["v.txt:2: 'oops' is not name=value"] });
});

const suggestions: readonly (readonly [string, readonly string[], string | undefined])[] = [
  ["xmfiel", ["xmfile", "name"], "xmfile"],
  ["Domains", ["domains", "nodes"], "domains"],
  ["shutdown_acip", ["shutdown_acpi", "shutdown_timeout"], "shutdown_acpi"],
  ["zzz", ["xmfile", "name"], undefined],
  ["pcmk_delay_mx", ["pcmk_delay_max", "pcmk_delay_base"], "pcmk_delay_max"],
];
for (const [name, known, expected] of suggestions) {
  t.test(`'${name}' suggests ${expected ?? "nothing"}`, async (t) => {
    t.equal(closestName(name, known), expected);
    t.equal(didYouMean(name, known), expected ? ` (did you mean '${expected}'?)` : "");
  });
}
