/**
 * `xen-ha cib load` against the LIVE CIB of a real cluster (lib/lab):
 * run inside node1 as an admin would, the installed `xen-ha` shows the
 * difference and the checks' verdict on --dry-run and changes nothing, loads a XenDomain that
 * Pacemaker then really starts (ground truth: the simulator), and refuses a
 * variant its checks find broken without touching the CIB.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { xenDomain } from "../../agents/xen-domain/agent.ts";
import { xml } from "../../lib/xml/xml.ts";
import { xenDomainResource } from "../../lib/lab/cib.ts";
import { until } from "../../lib/lab/host-command.ts";
import { labUnsupported, startClusterLab, type ClusterLab } from "../../lib/lab/lab.ts";
import { installInto } from "../support/install-once.ts";
import { locate, settle, vm1Ops } from "../../lib/lab/scenarios.ts";

const TIME_FACTOR = 0.1;

/** The configuration section and its version (admin_epoch.epoch): what a load changes, and nothing else does once the cluster is idle. */
async function configuration(lab: ClusterLab): Promise<{ version: string; text: string }> {
  const full = await lab.run("node1", ["cibadmin", "--query"]);
  const section = await lab.run("node1", ["cibadmin", "--query", "--scope", "configuration"]);
  if (full.exitCode !== 0 || section.exitCode !== 0) throw new Error(`cibadmin --query on node1 failed: ${full.stderr}${section.stderr}`);
  const cib = /<cib [^>]*>/.exec(full.stdout)?.[0] ?? "";
  const version = ["admin_epoch", "epoch"].map((name) => new RegExp(` ${name}="(\\d+)"`).exec(cib)?.[1] ?? "?").join(".");
  return { version, text: section.stdout };
}

const resources = async (lab: ClusterLab): Promise<string> => (await lab.run("node1", ["crm_resource", "--list"])).stdout;

t.test("xen-ha cib load against the live CIB of a namespace cluster", { skip: (await labUnsupported()) ?? false }, async (t) => {
  const lab = await startClusterLab({ timeFactor: TIME_FACTOR, install: installInto });
  t.teardown(() => lab.down().then(() => undefined));

  // The DC writes its own cluster options (dc-version, ...) after the election: wait for them, then for an idle cluster.
  await until("the DC's dc-version in the CIB", async () => ((await configuration(lab)).text.includes('name="dc-version"') ? true : undefined), 60_000, 250);
  await settle(lab, "node1");

  const dir = join(lab.lab, "cib-load");
  mkdirSync(dir);
  const good = join(dir, "vm1.xml");
  writeFileSync(good, xml`<resources>${xenDomainResource("vm1", lab.config, vm1Ops(xenDomain))}</resources>`.text);
  const broken = join(dir, "vm1-misspelled.xml");
  writeFileSync(broken, xml`<resources>${xenDomainResource("vm1", lab.config, vm1Ops(xenDomain), { shutdown_timout: "60" })}</resources>`.text);

  await t.test("the installed xen-ha command is on node1's PATH", async (t) => {
    const which = await lab.run("node1", ["xen-ha", "cib", "load", "--help"]);
    t.equal(which.exitCode, 0, "xen-ha cib load --help runs inside node1", { stderr: which.stderr });
  });

  await t.test("--dry-run shows the new primitive and leaves the live CIB alone", async (t) => {
    const before = await configuration(lab);
    const dry = await lab.run("node1", ["xen-ha", "cib", "load", good, "--dry-run"], 120_000);
    t.equal(dry.exitCode, 0, "exit 0", { stderr: dry.stderr });
    t.match(dry.stdout, /difference against the live CIB/, "against the live CIB, not a file");
    t.match(dry.stdout, /primitive vm1/, "the difference names the new primitive");
    t.match(dry.stdout, /dry run: the checks pass, nothing applied/, "the dry run ran the checks");
    t.comment(dry.stdout.trimEnd());
    const after = await configuration(lab);
    t.equal(after.version, before.version, `configuration version unchanged (${after.version})`);
    t.equal(after.text, before.text, "configuration section unchanged");
    t.notMatch(await resources(lab), /vm1/, "crm_resource --list has no vm1");
    t.same(lab.vm1Hosts(), [], "the simulator runs no vm1");
  });

  await t.test("load applies it and Pacemaker starts vm1 on exactly one host", async (t) => {
    const before = await configuration(lab);
    const load = await lab.run("node1", ["xen-ha", "cib", "load", good], 120_000);
    t.equal(load.exitCode, 0, "exit 0", { stdout: load.stdout, stderr: load.stderr });
    t.match(load.stdout, /applied 1 change to the live CIB/);
    t.comment(load.stdout.trimEnd());
    const after = await configuration(lab);
    t.not(after.version, before.version, `configuration version ${before.version} -> ${after.version}`);
    t.match(after.text, /<primitive [^>]*id="vm1"/, "the live configuration has primitive vm1");
    t.match(await resources(lab), /vm1\s+\(ocf:xen-ha:XenDomain\)/, "crm_resource --list shows vm1 as ocf:xen-ha:XenDomain");
    const host = await until("vm1 on one simulated host", () => (lab.vm1Hosts().length === 1 ? lab.vm1Hosts()[0] : undefined), 120_000, 100);
    await settle(lab, "node1");
    t.same(lab.vm1Hosts(), [host], `the simulator has vm1 on ${host} only`);
    t.same(await locate(lab, "node1"), [host], "crm_resource --locate (asked on node1) agrees");
    t.same(await locate(lab, "node2"), [host], "crm_resource --locate (asked on node2) agrees");
    t.match(lab.pacemakerLog(host), /Result of start operation for vm1 on \S+: ok/, `execd on ${host} ran XenDomain start`);
  });

  await t.test("a misspelled XenDomain parameter is refused with the check's message; nothing changes", async (t) => {
    const hosts = lab.vm1Hosts();
    const before = await configuration(lab);
    const dry = await lab.run("node1", ["xen-ha", "cib", "load", broken, "--dry-run"], 120_000);
    t.not(dry.exitCode, 0, `a dry run already says no (exit ${dry.exitCode})`);
    t.match(dry.stderr, /dry run: a load would be refused/);
    const refused = await lab.run("node1", ["xen-ha", "cib", "load", broken], 120_000);
    t.not(refused.exitCode, 0, `non-zero exit (${refused.exitCode})`);
    t.match(refused.stdout, /XenDomain has no parameter 'shutdown_timout'/, "the check's error names the parameter");
    t.match(refused.stdout, /shutdown_timeout/, "and suggests the right name");
    t.match(refused.stderr, /not loaded: the result would have 1 error/);
    t.comment(`${refused.stdout.trimEnd()}\n${refused.stderr.trimEnd()}`);
    const after = await configuration(lab);
    t.equal(after.version, before.version, `configuration version unchanged (${after.version})`);
    t.equal(after.text, before.text, "configuration section unchanged");
    t.notMatch(after.text, /shutdown_timout/, "the misspelled parameter is not in the live CIB");
    t.same(lab.vm1Hosts(), hosts, "vm1 still runs where it ran");
  });

  await t.test("teardown leaves no lab namespace, mount or process", async (t) => {
    t.same(await lab.down(), { namespaces: [], mounts: [], processes: [] });
  });
});
