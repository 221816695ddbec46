import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { hostEvidence, SYSROOT_ENV } from "../../../lib/toolstack/host-evidence.ts";
import { writeKernelFiles, type KernelKind } from "../../../lib/sim/index.ts";

/**
 * What counts as positive evidence that no Xen domain can run under this
 * host, kernel view by kernel view (doc/evidence.md). Everything that is not
 * clearly one of the two "no Xen" shapes must read as "no evidence".
 */
const dir = mkdtempSync(join(tmpdir(), "xen-ha-evidence-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const view = (kind: KernelKind, tweak: (root: string) => void = () => {}) => {
  const root = writeKernelFiles(join(dir, `v${n++}`), kind);
  tweak(root);
  return root;
};

const cases: readonly [string, string, RegExp | false][] = [
  ["a dom0", view("dom0"), false],
  ["a dom0 whose xenfs is not mounted (/proc/xen empty)", view("dom0-without-xenfs"), false],
  ["a Xen guest (capabilities without control_d)", view("domU"), /^\/proc\/xen\/capabilities has no control_d: this kernel is a Xen guest, not a dom0$/],
  ["a kernel not on Xen", view("no-xen"), /^this kernel does not run on Xen: \/sys\/hypervisor\/type does not exist and \/proc\/xen does not exist$/],
  ["another hypervisor's type, no /proc/xen", view("no-xen", (r) => { mkdirSync(join(r, "sys", "hypervisor")); writeFileSync(join(r, "sys", "hypervisor", "type"), "z/VM\n"); }), /\/sys\/hypervisor\/type reads 'z\/VM'/],
  ["no type file but /proc/xen exists (the witnesses disagree)", view("no-xen", (r) => mkdirSync(join(r, "proc", "xen"))), false],
  ["sysfs not mounted", view("no-xen", (r) => rmSync(join(r, "sys"), { recursive: true })), false],
  ["procfs not mounted", view("no-xen", (r) => rmSync(join(r, "proc"), { recursive: true })), false],
  ["an empty root", mkdtempSync(join(dir, "empty-")), false],
  ["a root that does not exist", join(dir, "nowhere"), false],
  ["capabilities with control_d among other words", view("dom0", (r) => writeFileSync(join(r, "proc", "xen", "capabilities"), "control_d something\n")), false],
];

for (const [name, root, expected] of cases) {
  t.test(name, async (t) => {
    const found = hostEvidence({ [SYSROOT_ENV]: root });
    if (expected === false) t.same(found, { noXen: false });
    else t.match(found, { noXen: true, evidence: expected });
  });
}
