import t from "tap";
import { parseHostInfo } from "../../../lib/toolstack/host-info.ts";
import { fixture } from "../../support/fixtures.ts";

const cases = [
  { file: "xl/4.17/info.txt", total: 4095, free: 2529, version: "4.17.0", commandline: /dom0_mem=1500M/, domain: "" },
  { file: "xl/4.12/info.txt", total: 4003, free: 2912, version: "4.12.0", commandline: /dom0_mem=1024M,max:1024M/, domain: "" },
  { file: "xl/4.1-xm/info.txt", total: 2046, free: 1047, version: undefined, commandline: /placeholder/, domain: "ubuntu.com" },
];

for (const c of cases) {
  t.test(`${c.file}: memory in MiB, values by key`, async (t) => {
    const parsed = parseHostInfo(fixture(c.file));
    if (!parsed.ok) throw new Error(parsed.problem);
    t.equal(parsed.value.totalMemoryMiB, c.total);
    t.equal(parsed.value.freeMemoryMiB, c.free);
    t.equal(parsed.value.values.get("xen_version"), c.version, "xm info has no xen_version");
    t.match(parsed.value.xenCommandline, c.commandline);
    t.equal(parsed.value.values.get("cc_compile_domain"), c.domain, "empty values are kept as empty");
  });
}

t.test("output without the memory lines is an error, not zero", async (t) => {
  t.equal(parseHostInfo("host                   : node1\n").ok, false);
  t.equal(parseHostInfo("total_memory           : 4095\nfree_memory            : unknown\n").ok, false);
});
