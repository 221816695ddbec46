import t from "tap";
import { setHostKnobs } from "../../../lib/sim/index.ts";
import { migrationLab, type MigrationLab } from "../../support/migration-lab.ts";

/**
 * What an earlier, interrupted migration leaves behind (left by the toolstack
 * itself, not by the agent), and what monitor, start, stop, migrate_from and
 * a new migrate_to make of it: never "not running" while a copy is there,
 * never a second copy, and in the end the domain runs exactly once.
 */
const recurring = { OCF_RESKEY_CRM_meta_interval: "10000" };
const probe = { OCF_RESKEY_CRM_meta_interval: "0" };

/** An admin's (or a killed agent's) xl migrate that broke in `fault`. */
async function brokenMigration(lab: MigrationLab, fault: "kill-receiver" | "lose-go"): Promise<void> {
  setHostKnobs(lab.root, "node2", { migrationFault: fault });
  const result = await lab.xl("node1", "migrate", "vm1", "node2");
  if (result.exitCode !== 1) throw new Error(`expected xl migrate to fail: ${result.stderr}`);
  setHostKnobs(lab.root, "node2", { migrationFault: "none" });
}

t.test("xl: a paused vm1--incoming left on the target", async (t) => {
  const lab = migrationLab(t);
  await lab.agent("node1", "start");
  await brokenMigration(lab, "kill-receiver");
  t.same(lab.names("node2"), [["vm1--incoming", "--p---"]], "the scene: the receiver was killed mid-stream");
  for (const [label, env] of [["probe", probe], ["monitor", recurring]] as const) {
    const result = await lab.agent("node2", "monitor", env);
    t.equal(result.code, 1, `${label} on the target: an error, not 7`);
    t.match(result.reasons.at(-1), /^domain vm1 does not exist, but domain vm1--incoming \(id 1\) is paused, state --p---: a migration into this host is in progress or was interrupted$/);
  }
  const start = await lab.agent("node2", "start");
  t.equal(start.code, 1, "start on the target refuses to add a copy");
  t.match(start.reasons.at(-1), /^not starting another copy of vm1: domain vm1--incoming .*; a stop here removes it$/);
  t.equal((await lab.agent("node2", "stop")).code, 0, "stop on the target removes it");
  t.same(lab.names("node2").filter(([n]) => n !== null), []);
  t.equal((await lab.agent("node2", "monitor", probe)).code, 7, "then the target is clean");
  t.equal((await lab.agent("node1", "monitor", recurring)).code, 0, "vm1 ran on the source all along");
  t.same(lab.names("node1"), [["vm1", "-b----"]]);
});

t.test("xl: a lost 'go' leaves vm1--migratedaway here and vm1--incoming there; a new migrate_to finishes it", async (t) => {
  const lab = migrationLab(t);
  await lab.agent("node1", "start");
  await brokenMigration(lab, "lose-go");
  t.same([lab.names("node1"), lab.names("node2")], [[["vm1--migratedaway", "---ss-"]], [["vm1--incoming", "--p---"]]], "the scene");
  const monitor = await lab.agent("node1", "monitor", recurring);
  t.equal(monitor.code, 1);
  t.match(monitor.reasons.at(-1), /domain vm1--migratedaway \(id 1\) is suspended .*: a migration from this host passed its point of no return and did not finish$/);
  const start = await lab.agent("node1", "start");
  t.equal(start.code, 1, "start refuses while a --migratedaway copy's fate is unknown");
  const fromShort = await lab.agent("node2", "migrate_from", { ...lab.migrationEnv("migrate_from", "node1", "node2"), OCF_RESKEY_CRM_meta_timeout: "4000" });
  t.equal(fromShort.code, 1, "migrate_from alone does not take a paused copy for an arrival");
  t.match(fromShort.reasons.at(-1), /^domain vm1 did not arrive in time: domain vm1--incoming \(id 1\) is paused/);
  const again = await lab.migrate("node1", "node2");
  t.same([again.to.code, again.from?.code], [0, 0], "migrate_to again: the handover is finished on the target");
  t.same([lab.names("node1"), lab.names("node2")], [[], [["vm1", "-b----"]]], "vm1 runs exactly once, on the target");
});

t.test("xl: the same leftovers cleared by stop on both hosts, then a fresh start", async (t) => {
  const lab = migrationLab(t);
  await lab.agent("node1", "start");
  await brokenMigration(lab, "lose-go");
  t.equal((await lab.agent("node1", "stop")).code, 0, "stop on the source destroys the suspended copy");
  t.equal((await lab.agent("node2", "stop")).code, 0, "stop on the target destroys the paused one");
  t.same([lab.names("node1").filter(([n]) => n), lab.names("node2").filter(([n]) => n)], [[], []]);
  t.equal((await lab.agent("node2", "start")).code, 0, "a start anywhere now gives the one copy");
  t.same(lab.names("node2"), [["vm1", "-b----"]]);
});

t.test("xm: migrating-vm1 here and a paused vm1 there after a cut relocation", async (t) => {
  const lab = migrationLab(t, { persona: "xm" });
  await lab.agent("node1", "start");
  setHostKnobs(lab.root, "node2", { migrationFault: "stall" });
  const cut = await lab.run("node1", "xm", ["migrate", "--live", "vm1", "node2"], 1_500);
  t.ok(cut.timedOut, "the scene: xm migrate killed mid-transfer");
  t.same([lab.names("node1"), lab.names("node2")], [[["migrating-vm1", "-b----"]], [["vm1", "--p---"]]]);
  const monitor = await lab.agent("node1", "monitor", recurring);
  t.equal(monitor.code, 1, "not 7: it runs here under the migration name");
  t.match(monitor.reasons.at(-1), /migrating-vm1 \(id 1\) is running.*: an xm migration from this host is in progress or was interrupted$/);
  t.equal((await lab.agent("node1", "start")).code, 1, "start adds no copy");
  t.equal((await lab.agent("node1", "stop")).code, 0, "stop brings migrating-vm1 down");
  t.equal((await lab.agent("node2", "stop")).code, 0, "stop on the target destroys the paused partial copy");
  t.same([lab.names("node1").filter(([n]) => n), lab.names("node2").filter(([n]) => n)], [[], []]);
});
