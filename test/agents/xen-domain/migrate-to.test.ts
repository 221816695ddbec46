import t, { type Test } from "tap";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { callLog, createSimHost, stopGuest } from "../../../lib/sim/index.ts";
import type { Env } from "../../support/run-agent-in-process.ts";
import { migrationLab, type MigrationLab } from "../../support/migration-lab.ts";

/**
 * XenDomain migrate_to / migrate_from against two simulated hosts, driven
 * with the environment Pacemaker's execd passes (migrate_source,
 * migrate_target, record_pending, on_node, timeout; cluster-lab §5).
 * Each row ends with the ground truth: the domain runs exactly once (or,
 * where the row says so, nowhere), no other copy of it is left on either
 * host, and the agent's code and reason say where it is. Rows whose code
 * paths do not depend on the toolstack run for xl only.
 */
interface Row {
  readonly name: string;
  readonly only?: readonly ("xl" | "xm")[];
  readonly scene?: (lab: MigrationLab) => unknown;
  readonly env?: Env | ((lab: MigrationLab) => Env);
  readonly to: { readonly code: number; readonly reason?: RegExp; readonly logged?: RegExp };
  readonly from?: { readonly code: number; readonly logged?: RegExp };
  /** Where vm1 runs afterwards. */
  readonly runsOn: "node1" | "node2";
  /** Other domains left on the hosts (besides the one running copy), as [host, name, state]. */
  readonly others?: readonly [string, string, string][];
  readonly check?: (t: Test, lab: MigrationLab) => void;
}

const knob = (host: string, knobs: Parameters<MigrationLab["knobs"]>[1]) => (lab: MigrationLab) => lab.knobs(host, knobs);
const fault = (f: Parameters<MigrationLab["knobs"]>[1]["migrationFault"]) => knob("node2", { migrationFault: f });
const STILL_HERE = /; vm1 still runs here$/;

const rows: readonly Row[] = [
  { name: "clean live migration", to: { code: 0, logged: /pre-flight on node2 \(node2\) passed/ }, from: { code: 0 }, runsOn: "node2" },
  // pre-flight refusals: nothing moves
  {
    name: "refused: target unreachable (ssh denied)",
    scene: knob("node2", { sshDeny: true }),
    to: { code: 1, reason: /^target node2 \(node2\) is not reachable over the migration transport: root@node2: Permission denied \(publickey\)\.$/ },
    runsOn: "node1",
  },
  {
    name: "refused: target without enough memory",
    scene: (lab) => createSimHost({ root: lab.root, host: "node2", memoryMiB: 2_200 }),
    to: { code: 1, reason: /^not enough memory on node2: vm1 needs 258 MiB, it has \d+ MiB free of 2200 MiB$/ },
    runsOn: "node1",
  },
  {
    name: "refused: a vm1 already on the target",
    only: ["xl"],
    scene: (lab) => lab.xl("node2", "create", "-p", lab.config),
    to: { code: 1, reason: /^domain vm1 already exists on node2 \(id 1, state --p---\); not migrating onto it$/ },
    runsOn: "node1",
    others: [["node2", "vm1", "--p---"]],
  },
  {
    name: "refused: config, disk and bridge missing on the target",
    only: ["xl"],
    scene: (lab) => lab.knobs("node2", { missingPaths: [lab.config, "/dev/vg0/vm1", "/sys/class/net/xenbr0"] }),
    to: { code: 1, reason: /^node2 lacks what vm1 needs: config \/.*\/vm1\.cfg missing, disk \/dev\/vg0\/vm1 missing, bridge xenbr0 missing$/ },
    runsOn: "node1",
  },
  {
    name: "a stale vm1--incoming on the target is removed first (our copy runs here)",
    only: ["xl"],
    scene: (lab) => lab.xl("node2", "create", "-p", lab.config, 'name="vm1--incoming"'),
    to: { code: 0, logged: /domain vm1--incoming \(id 1\) is paused, state --p--- on node2, left by an interrupted migration: destroying it/ },
    from: { code: 0 },
    runsOn: "node2",
  },
  // failures of the migration itself (doc/xl-behaviour.md §4.4)
  { name: "link drops during pre-copy", scene: fault("drop-precopy"), to: { code: 1, reason: STILL_HERE }, runsOn: "node1" },
  {
    name: "link drops during stop-and-copy",
    only: ["xl"],
    scene: fault("drop-stopcopy"),
    to: { code: 1, reason: /resuming at sender\..*; vm1 still runs here$/, logged: /vm1 was resumed here after the failed migration; if the failure came after its suspend, xl no longer watches it/ },
    runsOn: "node1",
  },
  { name: "target runs out of memory mid-stream", only: ["xl"], scene: fault("oom"), to: { code: 1, reason: STILL_HERE }, runsOn: "node1" },
  {
    name: "receiver killed: its paused copy on the target is removed",
    scene: fault("kill-receiver"),
    to: { code: 1, reason: STILL_HERE, logged: /on node2: destroying it/ },
    runsOn: "node1",
  },
  {
    name: "guest never suspends",
    only: ["xl"],
    scene: (lab) => lab.guest("node1", { noShutdownWatch: true }),
    to: { code: 1, reason: /Migration failed, failed to suspend at sender\.; vm1 still runs here$/ },
    runsOn: "node1",
  },
  { name: "target cannot start it", only: ["xl"], scene: fault("start-failure"), to: { code: 1, reason: /Migration failed due to problems at target\.; vm1 still runs here$/ }, runsOn: "node1" },
  {
    name: "name clash found only at the end (pre-flight off)",
    only: ["xl"],
    scene: (lab) => lab.xl("node2", "create", "-p", lab.config),
    env: { OCF_RESKEY_migration_preflight: "false" },
    to: { code: 1, reason: /Migration failed due to problems at target\.; vm1 still runs here$/, logged: /xl migrate: migration sender: Target reports startup failure \(status code 6\)\./ },
    runsOn: "node1",
    others: [["node2", "vm1", "--p---"]],
  },
  {
    name: "'go' lost: the agent finishes the handover on the target",
    only: ["xl"],
    scene: fault("lose-go"),
    to: { code: 0, logged: /holds the whole domain: finishing the handover there/ },
    from: { code: 0 },
    runsOn: "node2",
  },
  {
    name: "report lost: the target runs it, our suspended copy is destroyed",
    only: ["xl"],
    scene: fault("lose-report"),
    to: { code: 0, logged: /vm1 runs on node2: the migration completed although/ },
    from: { code: 0 },
    runsOn: "node2",
  },
  {
    name: "over its budget (the link stalls): killed, the target's copy removed",
    scene: fault("stall"),
    env: { OCF_RESKEY_migration_budget: "2" },
    to: { code: 1, reason: /^the migration did not finish within its budget of 2000 ms and was stopped; (vm1 still runs here|the relocation was cut short, vm1 has its name back and still runs here)$/ },
    runsOn: "node1",
  },
  {
    name: "over the budget the op timeout leaves (a slow link)",
    only: ["xl"],
    scene: knob("node1", { timing: { migrateMsPerGiB: 4_000_000 } }),
    env: { OCF_RESKEY_CRM_meta_timeout: "8000" },
    to: { code: 1, reason: /^the migration did not finish within its budget of \d+ ms and was stopped; / },
    runsOn: "node1",
  },
  {
    name: "xm: the relocation server refuses",
    only: ["xm"],
    scene: knob("node2", { relocationServer: false }),
    to: { code: 1, reason: /^xm migrate failed \(exit 1\): can't connect: Connection refused; vm1 still runs here$/ },
    runsOn: "node1",
  },
  // where the target is
  {
    name: "address from node_ip_attribute (crm_attribute)",
    env: (lab) => ({ OCF_RESKEY_node_ip_attribute: "migration_ip", CIB_file: cibWith(lab, "migration_ip", "10.0.0.2") }),
    to: { code: 0 },
    from: { code: 0 },
    runsOn: "node2",
    check: (t, lab) => t.ok(callLog(lab.root, "node1").some((c) => c.tool === "ssh" && c.argv.includes("10.0.0.2")), "ssh went to 10.0.0.2"),
  },
  {
    name: "node_ip_attribute not set for the target: refused",
    only: ["xl"],
    env: (lab) => ({ OCF_RESKEY_node_ip_attribute: "other_ip", CIB_file: cibWith(lab, "migration_ip", "10.0.0.2") }),
    to: { code: 1, reason: /^node attribute other_ip of node2 gives no migration address \(.*No such device or address\)$/ },
    runsOn: "node1",
  },
  {
    name: "a node attribute value with shell syntax is refused",
    only: ["xl"],
    env: (lab) => ({ OCF_RESKEY_node_ip_attribute: "migration_ip", CIB_file: cibWith(lab, "migration_ip", "10.0.0.2;reboot") }),
    to: { code: 1, reason: /^node attribute migration_ip gives an unusable address for node2: '10\.0\.0\.2;reboot' is not a host name or address/ },
    runsOn: "node1",
  },
  {
    name: "address from migration_addresses, ssh user, port and options",
    only: ["xl"],
    env: {
      OCF_RESKEY_migration_addresses: "node1=10.0.0.1 node2=10.0.0.2",
      OCF_RESKEY_migration_ssh_user: "root",
      OCF_RESKEY_migration_ssh_port: "22",
      OCF_RESKEY_migration_ssh_options: "Compression=no",
    },
    to: { code: 0 },
    from: { code: 0 },
    runsOn: "node2",
    check: (t, lab) =>
      t.ok(
        callLog(lab.root, "node1").some((c) => c.tool === "ssh" && c.argv.join(" ").includes("-o Compression=no -p 22 -l root -T 10.0.0.2")),
        "the transport carries the options",
      ),
  },
  {
    name: "the migration's host-key policy and login timeout reach every ssh of it, xl migrate's own too",
    only: ["xl"],
    env: { OCF_RESKEY_migration_ssh_host_key_policy: "accept-new", OCF_RESKEY_migration_ssh_login_timeout: "3" },
    to: { code: 0 },
    from: { code: 0 },
    runsOn: "node2",
    check: (t, lab) => {
      const ssh = callLog(lab.root, "node1").filter((c) => c.tool === "ssh");
      t.ok(ssh.some((c) => c.argv.includes("migrate-receive")), "xl migrate's transport is among them");
      for (const c of ssh) t.ok(c.argv.join(" ").includes("-o ConnectTimeout=3 -o StrictHostKeyChecking=accept-new"), c.argv.slice(-3).join(" "));
    },
  },
  {
    name: "address from migration_network_suffix",
    only: ["xl"],
    scene: (lab) => createSimHost({ root: lab.root, host: "node2", addresses: ["10.0.0.2", "node2-mig"] }),
    env: { OCF_RESKEY_migration_network_suffix: "-mig" },
    to: { code: 0 },
    from: { code: 0 },
    runsOn: "node2",
  },
  { name: "no target node given: 2", only: ["xl"], env: { OCF_RESKEY_CRM_meta_migrate_target: undefined }, to: { code: 2, reason: /migrate_target is not set/ }, runsOn: "node1" },
];

function cibWith(lab: MigrationLab, attribute: string, value: string): string {
  const file = join(lab.root, "cib.xml");
  writeFileSync(
    file,
    `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes>` +
      `<node id="1" uname="node1"/><node id="2" uname="node2"><instance_attributes id="n2"><nvpair id="n2-a" name="${attribute}" value="${value}"/></instance_attributes></node>` +
      `</nodes><resources/><constraints/></configuration><status/></cib>\n`,
  );
  return file;
}

/** Every domain of this lab that is not the one running copy of vm1. */
function othersOf(lab: MigrationLab, runsOn: string): [string, string | null, string][] {
  return (["node1", "node2"] as const).flatMap((host) =>
    lab.names(host).flatMap(([name, state]): [string, string | null, string][] =>
      name === null || (host === runsOn && name === "vm1" && state === "-b----") ? [] : [[host, name, state]],
    ),
  );
}

for (const tool of ["xl", "xm"] as const) {
  for (const row of rows) {
    if (row.only && !row.only.includes(tool)) continue;
    t.test(`${tool}: ${row.name}`, async (t) => {
      const lab = migrationLab(t, { persona: tool === "xm" ? "xm" : "xl-4.17" });
      t.equal((await lab.agent("node1", "start")).code, 0, "started on node1");
      await row.scene?.(lab);
      const env = typeof row.env === "function" ? row.env(lab) : (row.env ?? {});
      const { to, from } = await lab.migrate("node1", "node2", env);
      t.equal(to.code, row.to.code, `migrate_to → ${row.to.code}`, { stderr: to.stderr });
      if (row.to.reason) t.match(to.reasons.at(-1) ?? "", row.to.reason, "its reason");
      else t.same(to.reasons, [], "no exit reason");
      if (row.to.logged) t.match(to.stderr, row.to.logged, "logged");
      t.equal(from?.code, row.from?.code, row.from ? `migrate_from → ${row.from.code}` : "no migrate_from after a failed migrate_to", { stderr: from?.stderr });
      // let a target finish its own clean-up (a destroy started by a dying receiver)
      await new Promise((resolve) => setTimeout(resolve, 200));
      t.same(lab.names(row.runsOn).filter(([n]) => n === "vm1"), [["vm1", "-b----"]], `vm1 runs on ${row.runsOn}`);
      t.same(othersOf(lab, row.runsOn), row.others ?? [], "and nowhere else, no copy left behind");
      const monitor = await lab.agent(row.runsOn, "monitor", { OCF_RESKEY_CRM_meta_interval: "10000" });
      t.equal(monitor.code, 0, `monitor on ${row.runsOn} says running`);
      row.check?.(t, lab);
    });
  }
}

for (const persona of ["xl-4.17", "xm"] as const) {
  t.test(`${persona}: a client of the guest's service sees one short gap, the stop-and-copy pause`, async (t) => {
    const lab = migrationLab(t, { persona, memoryMiB: 512 });
    await lab.agent("node1", "start");
    await lab.untilServing("node1");
    const { result, watch } = await lab.watchService(() => lab.migrate("node1", "node2"));
    t.same([result.to.code, result.from?.code], [0, 0]);
    t.ok(watch.answered > watch.failed, `it answered through the pre-copy (${watch.answered} answers, ${watch.failed} misses)`);
    t.ok(watch.contiguous, "one gap only");
    t.ok(watch.answersAtEnd, "at the same address, from the target");
    t.comment(`service gap ${watch.gapMs} ms over a migration of ${result.to.ms} ms`);
  });
}

t.test("resumed after a failed stop-and-copy, unwatched by xl: a guest reboot leaves it shut down; monitor fails (never 7), stop clears it", async (t) => {
  const lab = migrationLab(t);
  await lab.agent("node1", "start");
  lab.knobs("node2", { migrationFault: "drop-stopcopy" });
  t.equal((await lab.migrate("node1", "node2")).to.code, 1);
  t.equal(lab.domain("node1")?.monitorPid, null, "no xl monitoring process any more");
  t.equal((await lab.xl("node1", "reboot", "vm1")).exitCode, 0, "the guest reboots");
  const monitor = await lab.agent("node1", "monitor", { OCF_RESKEY_CRM_meta_interval: "10000" });
  t.equal(monitor.code, 1, "a failure for Pacemaker to recover, not 'not running'");
  t.match(monitor.reasons.at(-1), /vm1 .*rebooting \(shut down for reboot, not yet restarted\)/);
  t.equal((await lab.agent("node1", "stop")).code, 0);
  t.same(lab.names("node1"), [], "stop destroyed the shut-down domain");
});

t.test("migrate_to again after a success: nothing to move, 0; migrate_from finds it", async (t) => {
  const lab = migrationLab(t);
  await lab.agent("node1", "start");
  t.equal((await lab.migrate("node1", "node2")).to.code, 0);
  const again = await lab.migrate("node1", "node2");
  t.same([again.to.code, again.from?.code], [0, 0]);
  t.match(again.to.stderr, /vm1 runs on node2 \(domain vm1 does not exist here\)/);
  t.same(lab.names("node2"), [["vm1", "-b----"]]);
});

t.test("migrate_from when nothing arrives and nothing restarts it: 1 at once, where it waited 5 s", async (t) => {
  const lab = migrationLab(t);
  const before = callLog(lab.root, "node2").length;
  const from = await lab.agent("node2", "migrate_from", { ...lab.migrationEnv("migrate_from", "node1", "node2"), OCF_RESKEY_CRM_meta_timeout: "60000" });
  t.equal(from.code, 1);
  t.match(from.reasons.at(-1), /^domain vm1 did not arrive: domain vm1 does not exist, and nothing of it is here \(.*\)$/);
  t.ok(from.ms < 2_500, `answered in ${from.ms} ms, far inside the 60 s timeout`);
  t.same(callLog(lab.root, "node2").slice(before).map((c) => c.argv[0]), ["list", "list"], "toolstack calls: the name, then its migration names");
});

t.test("the guest reboots as it arrives: xl re-creates it 2 s later; migrate_from waits on that evidence and says 0", async (t) => {
  const lab = migrationLab(t);
  lab.knobs("node2", { timing: { restartGapMs: 100_000 } }); // xl's sleep(2) at this lab's time factor
  t.equal((await lab.agent("node1", "start")).code, 0);
  t.equal((await lab.agent("node1", "migrate_to", lab.migrationEnv("migrate_to", "node1", "node2"))).code, 0);
  t.ok(stopGuest(lab.root, "node2", "vm1", "reboot"), "the guest reboots on node2 before migrate_from");
  const before = callLog(lab.root, "node2").length;
  const from = await lab.agent("node2", "migrate_from", lab.migrationEnv("migrate_from", "node1", "node2"));
  t.equal(from.code, 0, "arrived", { stderr: from.stderr });
  t.match(from.stderr, /xl's monitoring process \d+ (is restarting it|re-created it)/, "waited on the evidence");
  const asked = callLog(lab.root, "node2").slice(before).map((c) => c.argv[0]);
  t.comment(`migrate_from: ${from.ms} ms, ${asked.length} toolstack calls (${[...new Set(asked)].join(", ")})`);
  t.notOk(asked.includes("create"), "nothing created by the agent");
  t.same(lab.names("node2").map(([name]) => name), ["vm1"], "one vm1 on node2");
  t.same(lab.names("node1"), [], "none left on node1");
});

t.test("with a lease: migrate_from takes the lease over and reports the whole migration's duration", async (t) => {
  const lab = migrationLab(t);
  const leases = { OCF_RESKEY_lease_dir: join(lab.root, "shared", "leases"), OCF_RESKEY_lease_timeout: "60" };
  mkdirSync(leases.OCF_RESKEY_lease_dir);
  t.equal((await lab.agent("node1", "start", leases)).code, 0);
  const { to, from } = await lab.migrate("node1", "node2", leases);
  t.same([to.code, from?.code], [0, 0]);
  t.match(from?.stderr, /lease of vm1 taken over/);
  t.match(from?.stderr, /vm1 migrated from node1: \d+ ms from the start of migrate_to to running here/);
  t.equal((await lab.agent("node1", "stop", leases)).code, 0, "stop on the source (Pacemaker's last step) finds nothing, releases nothing");
  const monitor = await lab.agent("node2", "monitor", { ...leases, OCF_RESKEY_CRM_meta_interval: "10000" });
  t.equal(monitor.code, 0, "the target renews the lease it now holds");
  t.notMatch(monitor.stderr, /lost|destroying/, "no self-fencing");
  t.same(lab.names("node2"), [["vm1", "-b----"]]);
});
