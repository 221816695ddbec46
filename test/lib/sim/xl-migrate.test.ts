import t from "tap";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { callLog, createSimHost, killHost } from "../../../lib/sim/index.ts";
import { parseKnobWords } from "../../../lib/sim/knob-text.ts";
import { migrationLab, type MigrationLab } from "../../support/migration-lab.ts";

/**
 * xl migrate between two simulated hosts (doc/xl-behaviour.md §4, Simulator
 * contract items 26-30): the transport, the byte protocol's phases and
 * names, the pre-copy while the guest's service keeps answering, and every
 * failure row of §4.4 with xl's texts and both hosts' end states.
 */

t.test("a clean live migration: names on both hosts in order, one service gap, the target's monitor", async (t) => {
  const lab = migrationLab(t, { memoryMiB: 512 });
  await lab.start();
  lab.knobs("node2", { timing: { migrateNameGapMs: 2_500 } }); // 50 ms: long enough to be seen
  const { result, seen } = await lab.observeDuring(
    () => lab.watchService(() => lab.xl("node1", "migrate", "vm1", "node2")),
    // a dying domain has no name any more ("(null)"): it is no longer a copy of vm1
    () => ({ node1: lab.names("node1").flatMap(([n]) => (n ? [n] : [])), node2: lab.names("node2").flatMap(([n]) => (n ? [n] : [])) }),
  );
  const { result: migrate, watch } = result;
  t.equal(migrate.exitCode, 0, "exit 0");
  t.match(migrate.stderr, /migration sender: Target reports successful startup\.\nMigration successful\.\n$/);
  t.same(lab.names("node1"), [], "the source copy is destroyed");
  t.same(lab.names("node2"), [["vm1", "-b----"]], "vm1 runs on the target");
  t.ok(lab.domain("node2")?.monitorPid, "the target's monitoring daemon watches it");
  t.same(
    seen.map((v) => `${v.node1.join(",")}|${v.node2.join(",")}`),
    ["vm1|", "vm1|vm1--incoming", "vm1--migratedaway|vm1--incoming", "vm1--migratedaway|vm1", "|vm1"],
    "NAME / NAME--incoming, then NAME--migratedaway, then NAME on the target",
  );
  t.ok(watch.answered > watch.failed, "the service answered through the pre-copy");
  t.ok(watch.contiguous, "it was unreachable once, during stop-and-copy");
  t.ok(watch.answersAtEnd, "and answers at the same address afterwards");
  t.comment(`service gap ${watch.gapMs} ms, ${watch.failed} failed probes of ${watch.answered + watch.failed}`);
  t.same(
    callLog(lab.root, "node1").map((c) => [c.tool, c.argv.join(" ")]).slice(-2),
    [["xl", "migrate vm1 node2"], ["ssh", "node2 xl migrate-receive"]],
    "the rune: exec ssh HOST xl migrate-receive",
  );
});

t.test("the window with no NAME on either host can be stretched", async (t) => {
  const lab = migrationLab(t);
  await lab.start();
  lab.knobs("node2", { timing: { migrateNameGapMs: 20_000 } }); // 400 ms at factor 0.02
  const { seen } = await lab.observeDuring(
    () => lab.xl("node1", "migrate", "vm1", "node2"),
    () => [...lab.names("node1"), ...lab.names("node2")].some(([n]) => n === "vm1"),
  );
  t.same(seen, [true, false, true], "vm1 disappears from both hosts, then comes back on the target");
});

interface FailureRow {
  readonly name: string;
  readonly scene: (lab: MigrationLab) => void | Promise<unknown>;
  readonly args?: readonly string[];
  /** Each somewhere in xl migrate's stderr (the two ends' lines interleave as they come, §4.3). */
  readonly says: readonly RegExp[];
  readonly source: readonly [string | null, string][];
  readonly target: readonly [string | null, string][];
  /** Whether the source domain still has its monitoring daemon. */
  readonly monitored?: boolean;
}

const running: [string, string] = ["vm1", "-b----"];

const failures: readonly FailureRow[] = [
  {
    name: "target refuses the connection (ssh: permission denied)",
    scene: (lab) => lab.knobs("node2", { sshDeny: true }),
    says: [/Permission denied \(publickey\)/, /truncated reading banner from migration receiver stream/, /migration transport process \[\d+\] exited with error status 255/],
    source: [running],
    target: [],
    monitored: true,
  },
  {
    name: "target host down",
    scene: (lab) => killHost(lab.root, "node2"),
    says: [/No route to host/, /truncated reading banner/, /exited with error status 255/],
    source: [running],
    target: [],
    monitored: true,
  },
  {
    name: "target name unknown",
    scene: () => {},
    args: ["vm1", "node9"],
    says: [/Could not resolve hostname node9/, /truncated reading banner/],
    source: [running],
    target: [],
    monitored: true,
  },
  {
    name: "xl missing on the target (status 127)",
    scene: (lab) => createSimHost({ root: lab.root, host: "node2", persona: "none" }),
    says: [/xl: command not found/, /truncated reading banner/, /exited with error status 127/],
    source: [running],
    target: [],
    monitored: true,
  },
  {
    name: "a shell profile writes before the banner",
    scene: (lab) => lab.knobs("node2", { migrationFault: "banner" }),
    says: [/migration receiver stream contained unexpected data instead of banner\n\(command run was: exec ssh node2 xl migrate-receive \)/],
    source: [running],
    target: [],
    monitored: true,
  },
  {
    name: "link drops during pre-copy",
    scene: (lab) => lab.knobs("node2", { migrationFault: "drop-precopy" }),
    says: [/Broken pipe/, /migration sender: libxl_domain_suspend failed \(rc=-3\)/, /exited with error status 255/, /Migration failed, resuming at sender\./],
    source: [running],
    target: [],
    monitored: true,
  },
  {
    name: "link drops during stop-and-copy: resumed, unmonitored",
    scene: (lab) => lab.knobs("node2", { migrationFault: "drop-stopcopy" }),
    says: [/Broken pipe/, /Migration failed, resuming at sender\./],
    source: [running],
    target: [],
    monitored: false,
  },
  {
    name: "target out of memory mid-stream",
    scene: (lab) => lab.knobs("node2", { migrationFault: "oom" }),
    says: [/Cannot allocate memory/, /migration target: Domain creation failed \(code -3\)/, /libxl_domain_suspend failed \(rc=-3\)/, /Migration failed, resuming at sender\./],
    source: [running],
    target: [],
    monitored: true,
  },
  {
    name: "target without the memory from the start",
    scene: (lab) => createSimHost({ root: lab.root, host: "node2", memoryMiB: 2_100 }),
    says: [/cannot \(re-\)build domain: -3/, /migration target: Domain creation failed \(code -3\)/, /Migration failed, resuming at sender\./],
    source: [running],
    target: [],
    monitored: true,
  },
  {
    name: "receiver killed: NAME--incoming stays behind, paused",
    scene: (lab) => lab.knobs("node2", { migrationFault: "kill-receiver" }),
    says: [/libxl_domain_suspend failed \(rc=-3\)/, /Migration failed, resuming at sender\./],
    source: [running],
    target: [["vm1--incoming", "--p---"]],
    monitored: true,
  },
  {
    name: "guest never acknowledges the suspend",
    scene: (lab) => lab.guest("node1", { noShutdownWatch: true }),
    says: [/guest didn't acknowledge suspend, cancelling request/, /libxl_domain_suspend failed \(rc=-8\)/, /Migration failed, failed to suspend at sender\./],
    source: [running],
    target: [],
    monitored: true,
  },
  {
    name: "guest acknowledges but never suspends",
    scene: (lab) => lab.guest("node1", { ignoreShutdown: true }),
    says: [/guest did not suspend, timed out/, /Migration failed, failed to suspend at sender\./],
    source: [running],
    target: [],
    monitored: true,
  },
  {
    name: "target cannot start it (unpause fails): resumed at the source",
    scene: (lab) => lab.knobs("node2", { migrationFault: "start-failure" }),
    says: [/Target reports startup failure \(status code 3\)/, /migration target: Failure, destroying our copy\./, /Trying to resume at our end\./, /Resumed OK\./, /Migration failed due to problems at target\./],
    source: [running],
    target: [],
    monitored: false,
  },
  {
    name: "name clash on the target, found only after the whole transfer",
    // another vm1 already runs there (a double start the migration must not add to)
    scene: (lab) => lab.xl("node2", "create", lab.config),
    says: [/Domain with name "vm1" already exists/, /Target reports startup failure \(status code 6\)/, /Resumed OK\./],
    source: [running],
    target: [running],
    monitored: false,
  },
  {
    name: "link lost before the target heard 'go': suspended NAME--migratedaway here, paused NAME--incoming there",
    scene: (lab) => lab.knobs("node2", { migrationFault: "lose-go" }),
    says: [/Giving target permission to start\./, /\*\* Migration failed during final handshake \*\*\nDomain state is now undefined !/],
    source: [["vm1--migratedaway", "---ss-"]],
    target: [["vm1--incoming", "--p---"]],
    monitored: false,
  },
  {
    name: "link lost after the target started it: it runs there, NAME--migratedaway stays here",
    scene: (lab) => lab.knobs("node2", { migrationFault: "lose-report" }),
    says: [/migration target: Domain started successsfully\./, /Please CHECK AT BOTH ENDS/],
    source: [["vm1--migratedaway", "---ss-"]],
    target: [running],
    monitored: false,
  },
];

for (const row of failures) {
  t.test(`failure: ${row.name}`, async (t) => {
    const lab = migrationLab(t);
    await lab.start();
    await row.scene(lab);
    const result = await lab.xl("node1", "migrate", ...(row.args ?? ["vm1", "node2"]));
    t.equal(result.exitCode, 1, "exit 1");
    for (const line of row.says) t.match(result.stderr, line, `says ${line}`);
    // let the target's own cleanup (destroy of a partial copy) finish
    await new Promise((resolve) => setTimeout(resolve, 150));
    t.same(lab.names("node1"), row.source, "source afterwards");
    if (row.name !== "target host down") t.same(lab.names("node2").filter(([n]) => n !== null), row.target, "target afterwards");
    if (row.monitored !== undefined) t.equal(Boolean(lab.domains("node1")[0]?.monitorPid), row.monitored, row.monitored ? "still monitored" : "no monitoring daemon");
  });
}

t.test("options: -s as xl runs it, -s '' runs HOST as the command, -p, -e, -C, --live by persona", async (t) => {
  const lab = migrationLab(t);
  await lab.start();
  const custom = await lab.xl("node1", "migrate", "-s", "ssh -o BatchMode=yes -l root", "-e", "vm1", "10.0.0.2");
  t.equal(custom.exitCode, 0, "a custom ssh command and an address");
  t.equal(lab.domain("node2")?.monitorPid, null, "-e: no monitoring daemon on the target");
  t.same(callLog(lab.root, "node1").at(-1)?.argv, ["-o", "BatchMode=yes", "-l", "root", "10.0.0.2", "xl", "migrate-receive", "-e"]);
  const bare = await lab.xl("node2", "migrate", "-s", "", "-p", "vm1", "ssh node1 xl migrate-receive -p");
  t.equal(bare.exitCode, 0, "-s '': the host argument is the whole command");
  t.same(lab.names("node1"), [["vm1", "--p---"]], "-p: left paused on the target");
  await lab.xl("node1", "unpause", "vm1");
  const other = join(lab.root, "shared", "vm1-small.cfg");
  writeFileSync(other, readFileSync(lab.config, "utf8").replace(/memory = \d+/, "memory = 128"));
  const overridden = await lab.xl("node1", "migrate", "--live", "-C", other, "vm1", "node2");
  t.equal(overridden.exitCode, 0, "--live accepted by Xen 4.17");
  t.equal(lab.domain("node2")?.memoryMiB, 128, "-C: the target got the config sent");
  createSimHost({ root: lab.root, host: "node2", persona: "xl-4.4" });
  const old = await lab.xl("node2", "migrate", "--live", "vm1", "node1");
  t.same([old.exitCode, old.stderr], [2, "option `' not supported.\n"], "Xen 4.4's xl rejects --live");
  const unknown = await lab.xl("node2", "migrate", "vm9", "node1");
  t.same([unknown.exitCode, unknown.stderr], [1, "vm9 is an invalid domain identifier (rc=-6)\n"]);
  const short = await lab.xl("node2", "migrate", "vm1");
  t.equal(short.exitCode, 2);
  t.match(short.stderr, /^'xl migrate' requires at least 2 arguments\.\n\n$/);
});

t.test("knob words for migration: faults by name, missing paths and xend's relocation settings", async (t) => {
  const parsed = parseKnobWords(["migrationFault=lose-go", "missingPaths=/dev/vg0/vm1,/sys/class/net/xenbr1", "relocationServer=off", "relocationHostsAllow=^node1$"]);
  t.match(parsed, { value: { migrationFault: "lose-go", missingPaths: ["/dev/vg0/vm1", "/sys/class/net/xenbr1"], relocationServer: false, relocationHostsAllow: ["^node1$"] } });
  t.match(parseKnobWords(["migrationFault=sometimes"]), { error: /^bad value for migrationFault: "sometimes" \(one of none, banner, drop-precopy/ });
  t.match(parseKnobWords(["timing.migrateMsPerGiB=20000"]), { value: { timing: { migrateMsPerGiB: 20_000 } } });
});
