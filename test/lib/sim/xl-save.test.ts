import t from "tap";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { migrationLab } from "../../support/migration-lab.ts";

/** xl save / xl restore / xl rename (doc/xl-behaviour.md §4.6, contract item 31). */

t.test("save destroys the domain, restore brings it back under its own name, paused while loading", async (t) => {
  const lab = migrationLab(t);
  await lab.start();
  const image = join(lab.root, "shared", "vm1.save");
  const saved = await lab.xl("node1", "save", "vm1", image);
  t.equal(saved.exitCode, 0);
  t.match(saved.stderr, /^Saving to .*vm1\.save new xl format \(info 0x3\/0x0\/\d+\)\n$/);
  t.same(lab.names("node1"), [], "saved and destroyed");
  t.equal(readFileSync(image).subarray(0, 32).toString("latin1"), "Xen saved domain, xl format\n \0 \r", "the xl header's magic");
  const { result, seen } = await lab.observeDuring(() => lab.xl("node2", "restore", image), () => lab.names("node2"));
  t.equal(result.exitCode, 0);
  t.match(result.stderr, /Loading new save file .*vm1\.save \(new xl fmt info 0x3\/0x0\/\d+\)\n Savefile contains xl domain config in JSON format\nParsing config from <saved>\n/);
  t.same(seen.find((v) => v.length > 0), [["vm1", "--p---"]], "paused under its own name while the image loads");
  t.same(lab.names("node2"), [["vm1", "-b----"]], "then running");
  t.ok(lab.domain("node2")?.monitorPid, "with a monitoring daemon");
  const again = await lab.xl("node2", "restore", image);
  t.equal(again.exitCode, 1, "a name clash fails with exit 1");
  t.match(again.stderr, /Domain with name "vm1" already exists/);
});

t.test("save -c keeps the domain running (unmonitored after its suspend); -p leaves it paused", async (t) => {
  const lab = migrationLab(t);
  await lab.start();
  const checkpoint = await lab.xl("node1", "save", "-c", "vm1", join(lab.root, "cp.save"));
  t.equal(checkpoint.exitCode, 0);
  t.same(lab.names("node1"), [["vm1", "-b----"]]);
  t.equal(lab.domain("node1")?.monitorPid, null);
  const paused = await lab.xl("node1", "save", "-p", "vm1", join(lab.root, "p.save"));
  t.equal(paused.exitCode, 0);
  t.same(lab.names("node1"), [["vm1", "--p---"]]);
});

t.test("restore failures exit 1 with xl's texts; a guest that will not suspend is not saved", async (t) => {
  const lab = migrationLab(t);
  await lab.start();
  const missing = await lab.xl("node2", "restore", join(lab.root, "nope.save"));
  t.same([missing.exitCode, missing.stderr], [1, "Can't open restore file: No such file or directory\n"]);
  const junk = join(lab.root, "junk.save");
  writeFileSync(junk, "x".repeat(200));
  const wrong = await lab.xl("node2", "restore", junk);
  t.same([wrong.exitCode, wrong.stderr], [1, "File has wrong magic number - corrupt or for a different tool?\n"]);
  lab.guest("node1", { noShutdownWatch: true });
  const refused = await lab.xl("node1", "save", "vm1", join(lab.root, "never.save"));
  t.equal(refused.exitCode, 1);
  t.match(refused.stderr, /guest didn't acknowledge suspend, cancelling request\nFailed to save domain, resuming domain\n$/);
  t.same(lab.names("node1"), [["vm1", "-b----"]], "still running");
  const image = join(lab.root, "dev.save");
  lab.guest("node1", { noShutdownWatch: false });
  t.equal((await lab.xl("node1", "save", "vm1", image)).exitCode, 0);
  lab.knobs("node2", { missingPaths: ["/dev/vg0/vm1"] });
  const noDisk = await lab.xl("node2", "restore", image);
  t.equal(noDisk.exitCode, 1, "a disk this host lacks fails the restore");
  t.match(noDisk.stderr, /unable to add devices: \/dev\/vg0\/vm1 not found/);
  t.same(lab.names("node2").filter(([n]) => n !== null), [], "and leaves nothing behind");
  t.ok(existsSync(image), "the image is still there");
});

t.test("xl rename: refuses a taken name", async (t) => {
  const lab = migrationLab(t);
  await lab.start();
  t.equal((await lab.xl("node1", "rename", "vm1", "vm1--incoming")).exitCode, 0);
  t.same(lab.names("node1"), [["vm1--incoming", "-b----"]]);
  await lab.xl("node1", "create", lab.config);
  const clash = await lab.xl("node1", "rename", "vm1--incoming", "vm1");
  t.equal(clash.exitCode, 1);
  t.match(clash.stderr, /Domain with name "vm1" already exists\.\nCan't rename domain 'vm1--incoming'\.\n$/);
});

t.test("dump-core: xl writes the core and leaves the domain as it was; a path it cannot write fails with ERROR_FAIL", async (t) => {
  const lab = migrationLab(t);
  await lab.start();
  const core = join(lab.root, "vm1.core");
  const dumped = await lab.xl("node1", "dump-core", "vm1", core);
  t.same([dumped.exitCode, dumped.stdout, dumped.stderr], [0, "", ""], "silent success");
  t.match(readFileSync(core, "utf8"), /^xen-sim core of vm1 domid=\d+ memory=\d+MiB host=node1\n$/);
  t.same(lab.names("node1"), [["vm1", "-b----"]], "still running");
  const refused = await lab.xl("node1", "dump-core", "vm1", join(lab.root, "missing", "vm1.core"));
  t.equal(refused.exitCode, 1);
  t.match(refused.stderr, /libxl: error: .*libxl_domain_core_dump: Domain \d+:core dumping domain to .*: No such file or directory\ncore dump failed \(rc=-3\)\n$/);
  const unknown = await lab.xl("node1", "dump-core", "vm9", core);
  t.equal(unknown.exitCode, 1);
  t.match(unknown.stderr, /vm9 is an invalid domain identifier/);
});
