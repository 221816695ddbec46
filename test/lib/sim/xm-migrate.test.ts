import t from "tap";
import type { HostKnobs } from "../../../lib/sim/index.ts";
import { migrationLab } from "../../support/migration-lab.ts";

/**
 * xm migrate through xend's relocation service (doc/xl-behaviour.md §4.7, contract
 * item 32): migrating-NAME at the source, NAME paused at the target for
 * the whole transfer, a live migration's short gap against a non-live
 * one's whole-transfer gap, refusals, and failures that resume the source.
 */

t.test("xm migrate --live: migrating-NAME here, NAME paused there, a short service gap; silent exit 0", async (t) => {
  const lab = migrationLab(t, { persona: "xm", memoryMiB: 512 });
  await lab.start();
  const { result, seen } = await lab.observeDuring(
    () => lab.watchService(() => lab.xl("node1", "migrate", "--live", "vm1", "node2")),
    () => `${lab.names("node1").map(([n, s]) => `${n} ${s}`)}|${lab.names("node2").map(([n, s]) => `${n} ${s}`)}`,
  );
  t.same([result.result.exitCode, result.result.stdout, result.result.stderr], [0, "", ""]);
  t.ok(seen.includes("migrating-vm1 -b----|vm1 --p---"), "during the transfer: migrating-vm1 runs here, vm1 is paused there");
  t.same(lab.names("node1"), []);
  t.same(lab.names("node2"), [["vm1", "-b----"]]);
  t.ok(result.watch.contiguous && result.watch.answersAtEnd, "one gap, then the service answers again");
  t.ok(result.watch.answered > result.watch.failed, "it answered during the transfer");
  t.ok(lab.domain("node2")?.monitorPid, "the target's xend looks after it");
});

t.test("xm migrate without --live: suspended for the whole transfer, a longer gap than a live one", async (t) => {
  const lab = migrationLab(t, { persona: "xm", memoryMiB: 512 });
  await lab.start();
  const live = await lab.watchService(() => lab.xl("node1", "migrate", "--live", "vm1", "node2"));
  const { result, seen } = await lab.observeDuring(
    () => lab.watchService(() => lab.xl("node2", "migrate", "vm1", "node1")),
    () => lab.names("node2").map(([n, s]) => `${n} ${s}`).join(),
  );
  t.equal(result.result.exitCode, 0);
  t.ok(seen.includes("migrating-vm1 ---ss-"), "suspended under migrating-vm1 while its memory is copied");
  t.ok(result.watch.contiguous, "one gap");
  t.ok(result.watch.gapMs > live.watch.gapMs, `the gap spans the copy: ${result.watch.gapMs} ms non-live against ${live.watch.gapMs} ms live`);
});

const refusals: readonly { name: string; knobs: Partial<HostKnobs>; says: string }[] = [
  { name: "relocation server off", knobs: { relocationServer: false }, says: "Error: can't connect: Connection refused\n" },
  { name: "host not in hosts-allow", knobs: { relocationHostsAllow: ["^localhost$"] }, says: "Error: (32, 'Broken pipe')\n" },
];

for (const row of refusals) {
  t.test(`refused: ${row.name}`, async (t) => {
    const lab = migrationLab(t, { persona: "xm" });
    await lab.start();
    lab.knobs("node2", row.knobs);
    const result = await lab.xl("node1", "migrate", "--live", "vm1", "node2");
    t.equal(result.exitCode, 1);
    t.ok(result.stderr.startsWith(row.says), "xend's error first", { stderr: result.stderr });
    t.match(result.stderr, /Usage: xm migrate <Domain> <Host>/, "then the usage");
    t.same(lab.names("node1"), [["vm1", "-b----"]]);
    t.same(lab.names("node2"), []);
  });
}

t.test("hosts-allow matching the sender's address lets it in; unknown host and down host are refused", async (t) => {
  const lab = migrationLab(t, { persona: "xm" });
  await lab.start();
  lab.knobs("node2", { relocationHostsAllow: ["^10\\.0\\.0\\.1$"] });
  const unknown = await lab.xl("node1", "migrate", "--live", "vm1", "node9");
  t.match(unknown.stderr, /^Error: can't connect: Name or service not known\n/);
  t.equal((await lab.xl("node1", "migrate", "--live", "vm1", "10.0.0.2")).exitCode, 0);
  t.same(lab.names("node2"), [["vm1", "-b----"]]);
});

const failures = [
  { fault: "drop-precopy", target: [] },
  { fault: "oom", target: [] },
  { fault: "kill-receiver", target: [["vm1", "--p---"]] },
] as const;

for (const row of failures) {
  t.test(`failure ${row.fault}: the source gets its name back and runs on`, async (t) => {
    const lab = migrationLab(t, { persona: "xm" });
    await lab.start();
    lab.knobs("node2", { migrationFault: row.fault });
    const result = await lab.xl("node1", "migrate", "--live", "vm1", "node2");
    t.equal(result.exitCode, 1);
    t.match(result.stderr, /^Error: \/usr\/lib\/xen\/bin\/xc_save 21 1 0 0 1 failed\n/);
    t.same(lab.names("node1"), [["vm1", "-b----"]]);
    t.same(lab.names("node2").filter(([n]) => n !== null), row.target);
  });
}

t.test("a domain that is not running is not migrated; unknown domains exit 3", async (t) => {
  const lab = migrationLab(t, { persona: "xm" });
  await lab.start();
  await lab.xl("node1", "pause", "vm1");
  const paused = await lab.xl("node1", "migrate", "--live", "vm1", "node2");
  t.match([paused.exitCode, paused.stderr], [1, /^Error: Domain is not running\n/]);
  t.equal((await lab.xl("node1", "migrate", "vm9", "node2")).exitCode, 3);
});
