import t from "tap";
import { execFileSync } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { callLog } from "../../../lib/sim/index.ts";
import { migrationLab, type MigrationLab } from "../../support/migration-lab.ts";

/**
 * save_dir: stop saves the domain's memory to shared storage, start (on any
 * host) restores it; an image that is stale (config changed or newer) or
 * foreign (another domain, another UUID, no record of its origin) is set
 * aside and the domain starts afresh; a save that fails falls back to a
 * normal stop.
 */
function withSaveDir(lab: MigrationLab) {
  const dir = join(lab.root, "shared", "saved");
  mkdirSync(dir, { recursive: true });
  return { dir, env: { OCF_RESKEY_save_dir: dir } };
}

const xlCalls = (lab: MigrationLab, host: string, verb: string) => callLog(lab.root, host).filter((c) => c.tool === "xl" && c.argv[0] === verb).length;
const vm1Creates = (lab: MigrationLab) => callLog(lab.root, "node1").filter((c) => c.tool === "xl" && c.argv[0] === "create" && c.argv.includes(lab.config)).length;

t.test("stop saves, start on another host restores (no create), and the image is gone afterwards", async (t) => {
  const lab = migrationLab(t);
  const { dir, env } = withSaveDir(lab);
  t.equal((await lab.agent("node1", "start", env)).code, 0);
  const stop = await lab.agent("node1", "stop", env);
  t.equal(stop.code, 0);
  t.match(stop.stderr, /vm1 saved to .*vm1\.save/);
  t.same(readdirSync(dir).sort(), ["vm1.save", "vm1.save.json"]);
  t.same(lab.names("node1").filter(([n]) => n), [], "saved and gone");
  const start = await lab.agent("node2", "start", env);
  t.equal(start.code, 0);
  t.match(start.stderr, /restoring vm1 from .*vm1\.save/);
  t.same([xlCalls(lab, "node2", "restore"), xlCalls(lab, "node2", "create")], [1, 0], "restored, not created");
  t.same(lab.names("node2"), [["vm1", "-b----"]]);
  t.same(readdirSync(dir), [], "the image is used once");
});

const stale = [
  {
    name: "the config changed after the save",
    spoil: (lab: MigrationLab) => appendFileSync(lab.config, "# edited after the save\n"),
    why: /changed since it was saved/,
  },
  {
    name: "the image is older than the config",
    spoil: (lab: MigrationLab, image: string) => utimesSync(image, new Date(2020, 0, 1), new Date(2020, 0, 1)),
    why: /it is older than/,
  },
  {
    name: "the image's record of its origin is missing",
    spoil: (lab: MigrationLab, image: string) => writeFileSync(`${image}.json`, "not json"),
    why: /origin is unknown/,
  },
  {
    name: "the image holds another domain",
    spoil: async (lab: MigrationLab, image: string) => {
      const other = join(lab.root, "vm2.cfg");
      writeFileSync(other, "name = \"vm2\"\nmemory = 64\n");
      await lab.xl("node1", "create", other);
      await new Promise((resolve) => setTimeout(resolve, 300)); // booted: it can ack the suspend
      const saved = await lab.xl("node1", "save", "vm2", image);
      if (saved.exitCode !== 0) throw new Error(saved.stderr);
    },
    why: /it holds domain vm2 \(recorded: vm1\), not vm1/,
  },
  {
    name: "the image is not an xl save image",
    spoil: (lab: MigrationLab, image: string) => copyFileSync(lab.config, image),
    why: /not an xl save image \(wrong magic\)/,
  },
  // files that are not files: each once hung the start in open(2) or read without end
  {
    name: "the image is a FIFO",
    spoil: (lab: MigrationLab, image: string) => replaceWith(image, "fifo"),
    why: /vm1\.save is not a regular file/,
  },
  {
    name: "the image is a device (a link to /dev/zero)",
    spoil: (lab: MigrationLab, image: string) => replaceWith(image, "device"),
    why: /vm1\.save is not a regular file/,
  },
  {
    name: "the image is a directory",
    spoil: (lab: MigrationLab, image: string) => replaceWith(image, "directory"),
    why: /vm1\.save is not a regular file/,
  },
  {
    name: "the image's record is a FIFO",
    spoil: (lab: MigrationLab, image: string) => replaceWith(`${image}.json`, "fifo"),
    why: /vm1\.save\.json is a fifo, not a regular file: the image's origin is unknown/,
  },
  {
    name: "the image's record is a device",
    spoil: (lab: MigrationLab, image: string) => replaceWith(`${image}.json`, "device"),
    why: /vm1\.save\.json is a character special file, not a regular file: the image's origin is unknown/,
  },
  {
    name: "the image's record is a directory",
    spoil: (lab: MigrationLab, image: string) => replaceWith(`${image}.json`, "directory"),
    why: /vm1\.save\.json is a directory, not a regular file: the image's origin is unknown/,
  },
  {
    name: "the image's record is 2 MiB",
    spoil: (lab: MigrationLab, image: string) => replaceWith(`${image}.json`, "huge"),
    why: /vm1\.save\.json is 2097152 bytes, more than the 65536 bytes such a file may have: the image's origin is unknown/,
  },
] as const;

/** Puts something that is not a file of ours where save_dir has one. */
function replaceWith(path: string, kind: "fifo" | "device" | "directory" | "huge"): void {
  rmSync(path, { force: true });
  if (kind === "fifo") execFileSync("mkfifo", [path]);
  if (kind === "device") symlinkSync("/dev/zero", path);
  if (kind === "directory") mkdirSync(path);
  if (kind === "huge") {
    writeFileSync(path, "{}");
    truncateSync(path, 2 << 20);
  }
}

for (const row of stale) {
  t.test(`never restored: ${row.name}; kept aside, started afresh`, async (t) => {
    const lab = migrationLab(t);
    const { dir, env } = withSaveDir(lab);
    await lab.agent("node1", "start", env);
    t.equal((await lab.agent("node1", "stop", env)).code, 0);
    const image = join(dir, "vm1.save");
    await row.spoil(lab, image);
    const start = await lab.agent("node1", "start", { ...env, OCF_RESKEY_CRM_meta_timeout: "30000" });
    t.equal(start.code, 0);
    t.ok(start.ms < 30_000, `answered in ${start.ms} ms, inside its timeout`);
    t.match(start.stderr, new RegExp(`not restoring \\S*/vm1\\.save: .*${row.why.source}`), "says why");
    t.same([xlCalls(lab, "node1", "restore"), vm1Creates(lab)], [0, 2], "created afresh");
    t.ok(!existsSync(image), "no image left to restore by mistake later");
    t.ok(readdirSync(dir).some((f) => /^vm1\.save\.stale-\d{8}T\d{9}Z$/.test(f)), "kept aside, for an admin to look at");
  });
}

t.test("a guest that cannot be saved is shut down the usual way; nothing is left in save_dir", async (t) => {
  const lab = migrationLab(t);
  const { dir, env } = withSaveDir(lab);
  await lab.agent("node1", "start", env);
  lab.guest("node1", { noShutdownWatch: true });
  const stop = await lab.agent("node1", "stop", env);
  t.equal(stop.code, 0);
  t.match(stop.stderr, /saving vm1 failed \(.*guest didn't acknowledge suspend.*\); shutting it down instead/);
  t.same(readdirSync(dir), []);
  t.same(lab.names("node1").filter(([n]) => n), []);
});

t.test("validate-all: save_dir with force_stop is 6; a save_dir this host lacks is 5; xm cannot save", async (t) => {
  const lab = migrationLab(t);
  const { env } = withSaveDir(lab);
  t.equal((await lab.agent("node1", "validate-all", { ...env, OCF_RESKEY_force_stop: "true" })).code, 6);
  t.equal((await lab.agent("node1", "validate-all", { OCF_RESKEY_save_dir: join(lab.root, "nope") })).code, 5);
  const xm = migrationLab(t, { persona: "xm" });
  const result = await xm.agent("node1", "validate-all", { OCF_RESKEY_save_dir: xm.root });
  t.same([result.code, result.reasons.at(-1)], [5, "save_dir needs the xl toolstack; this host has xm"]);
});
