import t from "tap";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { domainsOn, fence, fenceLab, labOptions, startDomain, xl } from "./support.ts";

/**
 * Every fence_xen action against three dom0s: two reached over the
 * simulator's ssh and the fencing host's own toolstack (dom0_list=local).
 * Each row runs one action and checks the exit code, the output, and the
 * simulated hosts' ground truth.
 */
t.test("every action against several dom0s", async (t) => {
  const lab = fenceLab(t, ["dom0a", "dom0b"]);
  await startDomain(lab, "dom0a", "vm1");
  await startDomain(lab, "dom0b", "vm2");
  await startDomain(lab, "guest0", "vm3");
  const base = { ...labOptions(lab), dom0_list: "dom0a, dom0b local" };

  const rows: readonly {
    name: string;
    options: Record<string, string>;
    code: number;
    stdout: string | RegExp;
    after?: Record<string, string[]>;
  }[] = [
    { name: "monitor: every dom0 answers", options: { action: "monitor" }, code: 0, stdout: "" },
    { name: "list: every domain of every dom0, plug and empty alias", options: { action: "list" }, code: 0, stdout: "vm1,\nvm2,\nvm3,\n" },
    { name: "list-status", options: { action: "list-status" }, code: 0, stdout: "vm1,,ON\nvm2,,ON\nvm3,,ON\n" },
    { name: "status of a domain on a remote dom0", options: { action: "status", port: "vm2" }, code: 0, stdout: "Status: ON\n" },
    { name: "status of a domain on the local toolstack", options: { action: "status", plug: "vm3" }, code: 0, stdout: "Status: ON\n" },
    { name: "status of a domain no dom0 has fails: a mistyped plug is not an off node", options: { action: "status", port: "vm9" }, code: 1, stdout: "" },
    {
      name: "with missing_as_off, status of a domain no dom0 has: exit 2",
      options: { action: "status", port: "vm9", missing_as_off: "1" },
      code: 2,
      stdout: "Status: OFF\n",
    },
    {
      name: "off destroys it where it runs",
      options: { action: "off", port: "vm2" },
      code: 0,
      stdout: "Success: Powered OFF\n",
      after: { dom0a: ["vm1"], dom0b: [], guest0: ["vm3"] },
    },
    { name: "off again fails: no dom0 knows vm2 any more", options: { action: "off", port: "vm2" }, code: 1, stdout: "" },
    {
      name: "off again with missing_as_off: already off is success",
      options: { action: "off", port: "vm2", missing_as_off: "1" },
      code: 0,
      stdout: "Success: Already OFF\n",
    },
    {
      name: "on creates it on the first dom0 that can (dom0_list order)",
      options: { action: "on", port: "vm2" },
      code: 0,
      stdout: "Success: Powered ON\n",
      after: { dom0a: ["vm1", "vm2"], dom0b: [], guest0: ["vm3"] },
    },
    { name: "on of a running domain: already on", options: { action: "on", port: "vm1" }, code: 0, stdout: "Success: Already ON\n" },
    {
      name: "reboot: off, then on again where it ran (not the first dom0 of dom0_list)",
      options: { action: "reboot", port: "vm3" },
      code: 0,
      stdout: "Success: Rebooted\n",
      after: { dom0a: ["vm1", "vm2"], dom0b: [], guest0: ["vm3"] },
    },

    { name: "validate-all changes nothing", options: { action: "validate-all" }, code: 0, stdout: "" },
    { name: "metadata", options: { action: "metadata" }, code: 0, stdout: /^<\?xml version="1.0" \?>\n<resource-agent name="fence_xen"/ },
    { name: "an unknown action", options: { action: "frobnicate" }, code: 1, stdout: "" },
  ];

  for (const row of rows) {
    const run = await fence(lab, { ...base, ...row.options });
    t.equal(run.code, row.code, `${row.name}: exit ${row.code} (stderr: ${run.stderr.trim()})`);
    if (row.code === 1) t.match(run.stderr, /ERROR: Failed: /, `${row.name}: the reason, fencing.py's way`);
    if (typeof row.stdout === "string") t.equal(run.stdout, row.stdout, `${row.name}: output`);
    else t.match(run.stdout, row.stdout, `${row.name}: output`);
    for (const [host, names] of Object.entries(row.after ?? {})) {
      t.same(domainsOn(lab, host), names, `${row.name}: ${host} runs ${names.join(", ") || "nothing"}`);
    }
  }
});

t.test("reboot keeps a guest on the dom0 it ran on: guests kept apart stay apart", async (t) => {
  const lab = fenceLab(t, ["dom0a", "dom0b"]);
  await startDomain(lab, "dom0a", "guest1");
  await startDomain(lab, "dom0b", "guest2");
  const run = await fence(lab, { ...labOptions(lab), action: "reboot", port: "guest2" });
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout, "Success: Rebooted\n");
  t.match(run.stderr, /guest2 created on dom0b/);
  t.same([domainsOn(lab, "dom0a"), domainsOn(lab, "dom0b")], [["guest1"], ["guest2"]]);
});

t.test("a plug may be the domain's UUID (xl list -v); the name is what the lease notes use", async (t) => {
  const lab = fenceLab(t, ["dom0a", "dom0b"]);
  await startDomain(lab, "dom0b", "vm1");
  const verbose = await xl(lab, "dom0b", ["list", "-v", "vm1"]);
  const uuid = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/.exec(verbose.stdout.split("\n")[1] ?? "")?.[1];
  t.ok(uuid, `uuid of vm1: ${uuid}`);
  const base = labOptions(lab);
  t.match(await fence(lab, { ...base, action: "status", port: uuid ?? "" }), { code: 0, stdout: "Status: ON\n" });
  t.match(await fence(lab, { ...base, action: "off", port: (uuid ?? "").toUpperCase() }), { code: 0, stdout: "Success: Powered OFF\n" });
  t.same(domainsOn(lab, "dom0b"), []);
  t.match(await fence(lab, { ...base, action: "status", port: uuid ?? "" }), { code: 1, stderr: /is not known to the device/ });
  t.match(await fence(lab, { ...base, action: "status", port: uuid ?? "", missing_as_off: "yes" }), { code: 2, stdout: "Status: OFF\n" });
  const on = await fence(lab, { ...base, action: "on", port: uuid ?? "" });
  t.equal(on.code, 1, "on needs a name");
  t.match(on.stderr, /on needs the domain's name, not a UUID/);
});

t.test("options on the command line, as an admin types them", async (t) => {
  const lab = fenceLab(t, ["dom0a"]);
  await startDomain(lab, "dom0a", "vm1");
  const argv = ["-o", "status", "-n", "vm1", "-a", "dom0a", "--ssh-host-key-policy=ignore"];
  t.match(await fence(lab, {}, { argv }), { code: 0, stdout: "Status: ON\n" });
  const help = await fence(lab, {}, { argv: ["-h"] });
  t.match(help.stdout, /-n, --plug=\[plug\]/);
});

t.test("a crash dump is saved before the kill; a dump that fails does not stop the kill", async (t) => {
  const lab = fenceLab(t, ["dom0a"]);
  const dumpDir = join(lab.root, "dump");
  mkdirSync(dumpDir);
  await startDomain(lab, "dom0a", "vm1");
  const saved = await fence(lab, { ...labOptions(lab), action: "off", port: "vm1", dump_core: "1", dump_dir: dumpDir });
  t.equal(saved.code, 0, saved.stderr);
  t.match(saved.stderr, new RegExp(`crash dump of vm1 saved on dom0a as ${dumpDir}/\\S+-vm1\\.core`));
  const cores = readdirSync(dumpDir);
  t.equal(cores.length, 1, "one core file");
  t.match(readFileSync(join(dumpDir, cores[0] ?? ""), "utf8"), /^xen-sim core of vm1 domid=\d+ memory=\d+MiB host=dom0a$/m, "written by dom0a's xl dump-core");
  t.same(domainsOn(lab, "dom0a"), [], "then destroyed");

  await startDomain(lab, "dom0a", "vm1");
  const failed = await fence(lab, { ...labOptions(lab), action: "off", port: "vm1", dump_core: "1", dump_dir: join(lab.root, "no-such-dir") });
  t.equal(failed.code, 0, failed.stderr);
  t.match(failed.stderr, /crash dump of vm1 on dom0a failed: .*core dump failed \(rc=-3\)/);
  t.same(domainsOn(lab, "dom0a"), [], "the kill goes ahead without its dump");
});
