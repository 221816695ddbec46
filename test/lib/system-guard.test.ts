import t from "tap";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { differences, fingerprint } from "../support/system-guard.ts";

/** The guard that runs after the suite (test/system-guard/) sees every kind of write, here on a tree of its own. */
const root = mkdtempSync(join(tmpdir(), "xen-ha-guard-"));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

const tree = () => {
  rmSync(join(root, "ocf"), { recursive: true, force: true });
  mkdirSync(join(root, "ocf", "resource.d", "heartbeat"), { recursive: true });
  writeFileSync(join(root, "ocf", "resource.d", "heartbeat", "Xen"), "#!/bin/sh\n");
  utimesSync(join(root, "ocf", "resource.d", "heartbeat", "Xen"), 1_700_000_000, 1_700_000_000);
  mkdirSync(join(root, "sbin"), { recursive: true });
  rmSync(join(root, "sbin", "fence_xen"), { force: true });
  writeFileSync(join(root, "sbin", "fence_virsh"), "#!/bin/sh\n");
  utimesSync(join(root, "sbin", "fence_virsh"), 1_700_000_000, 1_700_000_000);
};
const roots = [
  { path: join(root, "ocf"), recursive: true },
  { path: join(root, "sbin"), recursive: false },
];

const writes: readonly [string, () => void, RegExp][] = [
  ["an agent installed deep in a guarded tree", () => {
    mkdirSync(join(root, "ocf", "resource.d", "xen-ha"));
    writeFileSync(join(root, "ocf", "resource.d", "xen-ha", "XenDomain"), "x");
  }, /^added +\S+\/ocf\/resource\.d\/xen-ha\/XenDomain/m],
  ["a program added to a flat directory", () => writeFileSync(join(root, "sbin", "fence_xen"), "x"), /^added +\S+\/sbin\/fence_xen/],
  ["a file rewritten with the same size and its mtime restored", () => {
    // same size, and the old mtime put back, as `cp -p` or tar would leave it
    writeFileSync(join(root, "ocf", "resource.d", "heartbeat", "Xen"), "#!/bin/ss\n");
    utimesSync(join(root, "ocf", "resource.d", "heartbeat", "Xen"), 1_700_000_000, 1_700_000_000);
  }, /^changed +\S+\/heartbeat\/Xen/],
  ["a file touched", () => utimesSync(join(root, "sbin", "fence_virsh"), 1_800_000_000, 1_800_000_000), /^changed +\S+\/sbin\/fence_virsh/],
  ["a mode changed", () => chmodSync(join(root, "sbin", "fence_virsh"), 0o700), /^changed +\S+\/sbin\/fence_virsh/],
  ["a file removed", () => rmSync(join(root, "ocf", "resource.d", "heartbeat", "Xen")), /^removed +\S+\/heartbeat\/Xen/],
  ["a symlink planted", () => symlinkSync("/tmp/gone", join(root, "sbin", "xen-ha")), /^added +\S+\/sbin\/xen-ha \(l .* -> \/tmp\/gone\)/],
];

for (const [what, write, seen] of writes) {
  t.test(what, async (t) => {
    tree();
    const before = fingerprint(roots);
    t.same(differences(before, fingerprint(roots)), [], "nothing written, nothing reported");
    // file times tick with the kernel's coarse clock (a few ms); a suite run spans far more
    await new Promise((resolve) => setTimeout(resolve, 20));
    write();
    const found = differences(before, fingerprint(roots));
    t.match(found.join("\n"), seen);
  });
}
