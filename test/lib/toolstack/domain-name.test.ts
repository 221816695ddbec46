import t from "tap";
import { domainNameProblem, MAX_DOMAIN_NAME } from "../../../lib/toolstack/domain-name.ts";

/**
 * The one domain-name rule (doc/domain-names.md): what xend accepts, less
 * what xl, getopt, fence_xen and the migration names would misread.
 */
const accepted = ["vm1", "web-01", "db.example.com", "a", "vm_1", "host:vm", "c++", "x".repeat(MAX_DOMAIN_NAME), "1vm", "Domain-00", "incoming", "vm--incomingx"];

const refused: readonly (readonly [string, RegExp])[] = [
  ["", /cannot be empty/],
  ["x".repeat(MAX_DOMAIN_NAME + 1), /^'x{60}'\.\.\. \(201 characters\) is longer than a domain name may be/],
  ["x".repeat(1 << 20), /\(1048576 characters\)/],
  ["-h", /^'-h' begins with '-', which the toolstack would read as an option$/],
  ["--help", /begins with '-'/],
  ["-oProxyCommand=x", /begins with '-'/],
  [" vm1", /^' vm1' has surrounding spaces$/],
  ["vm1 ", /surrounding spaces/],
  ["vm 1", /^'vm 1' is not a usable Xen domain name/],
  ["vm1\n", /^"vm1\\n" holds a control character$/],
  ["vm\u00001", /^"vm\\u00001" holds a control character$/],
  ["vm\t1", /control character/],
  ['vm"1', /not a usable Xen domain name/],
  ["vm'1", /^"vm'1" is not a usable Xen domain name/],
  ["vm\\1", /not a usable/],
  ["vm/1", /not a usable/],
  ["vm,1", /not a usable/],
  ["vm;reboot", /not a usable/],
  ["$(touch x)", /not a usable/],
  ["v\u00e9m", /not a usable/],
  ["vm\ufffd", /not a usable/],
  ["42", /all digits; xl would read it as a domain id/],
  ["0", /all digits/],
  ["6f1e9e0a-3c2b-4d5e-8f70-0123456789ab", /has the form of a UUID/],
  ["Domain-0", /control domain/],
  ["domain-0", /control domain/],
  ["DOMAIN-0", /control domain/],
  ["dOmAiN-0", /control domain/],
  ["vm1--incoming", /^'vm1--incoming' collides with the names the toolstack gives 'vm1' while it migrates$/],
  ["vm1--migratedaway", /gives 'vm1'/],
  ["migrating-vm1", /gives 'vm1'/],
];

t.test("accepted names", async (t) => {
  for (const name of accepted) t.equal(domainNameProblem(name), undefined, name.slice(0, 40));
});

t.test("refused names, each with a one-line reason that quotes the name safely", async (t) => {
  for (const [name, reason] of refused) {
    const problem = domainNameProblem(name);
    t.match(problem, reason, JSON.stringify(name.slice(0, 40)));
    t.notMatch(problem ?? "", /[\n\u0000]/, "one line, no NUL");
    t.ok((problem ?? "").length < 200, "bounded");
  }
});
