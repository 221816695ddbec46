import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { runCommand, type CommandRunner } from "../../../lib/exec/command.ts";
import { isExecutableUserFile, readUserFile } from "../../../lib/exec/read-user-file.ts";

/**
 * readUserFile against everything a user's path may turn out to be. The
 * bound is small here (64 bytes) so that "too large" is cheap to make.
 */
const dir = mkdtempSync(join(tmpdir(), "xen-ha-read-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const MAX = 64;
const read = (path: string, run: CommandRunner = runCommand, timeoutMs = 5_000) => readUserFile(run, path, { maxBytes: MAX, timeoutMs, env: {} });
const at = (name: string) => join(dir, name);

writeFileSync(at("vm1.cfg"), 'name = "vm1"\n');
writeFileSync(at("empty.cfg"), "");
writeFileSync(at("exact.cfg"), "x".repeat(MAX));
writeFileSync(at("one-over.cfg"), "x".repeat(MAX + 1));
writeFileSync(at("latin1.cfg"), Buffer.from([0x6e, 0x3d, 0xe9, 0x0a])); // not UTF-8
writeFileSync(at("-rf"), "dash\n");
writeFileSync(at("sp ace 'q\"uote\nline.cfg"), "odd name\n");
writeFileSync(at("sparse.cfg"), "");
truncateSync(at("sparse.cfg"), 1 << 30); // 1 GiB that takes no disk: the size alone refuses it
spawnSync("mkfifo", [at("fifo.cfg")]);
mkdirSync(at("dir.cfg"));

const cases: readonly [string, string, RegExp | string][] = [
  ["a regular file", at("vm1.cfg"), 'name = "vm1"\n'],
  ["an empty file", at("empty.cfg"), ""],
  ["exactly the bound", at("exact.cfg"), "x".repeat(MAX)],
  ["a name with a leading dash", at("-rf"), "dash\n"],
  ["a name with spaces, quotes and a newline", at("sp ace 'q\"uote\nline.cfg"), "odd name\n"],
  ["bytes that are not UTF-8", at("latin1.cfg"), "n=\ufffd\n"],
  ["one byte over the bound", at("one-over.cfg"), /^refused: is 65 bytes, more than the 64 bytes such a file may have$/],
  ["a 1 GiB sparse file", at("sparse.cfg"), /^refused: is 1073741824 bytes/],
  ["a FIFO (nobody writes: an open without O_NONBLOCK would hang)", at("fifo.cfg"), /^refused: is a fifo, not a regular file$/],
  ["/dev/zero (endless)", "/dev/zero", /^refused: is a character special file, not a regular file$/],
  ["/dev/null", "/dev/null", /^refused: is a character special file, not a regular file$/],
  ["a directory", at("dir.cfg"), /^refused: is a directory, not a regular file$/],
  ["a missing file", at("missing.cfg"), /^missing: cannot be read on this host \(cannot statx? .*No such file or directory\)$/],
  ["a path through a missing directory", at("nope/vm1.cfg"), /^missing: /],
];

for (const [name, path, expected] of cases) {
  t.test(name, async (t) => {
    const started = Date.now();
    const result = await read(path);
    if (typeof expected === "string") {
      t.same(result.ok ? result.text : result, expected);
      t.ok(result.ok && Math.abs(result.mtimeMs - Date.now()) < 3_600_000, "its modification time, from stat");
    }
    else t.match(result.ok ? "ok" : `${result.kind}: ${result.problem}`, expected);
    t.ok(Date.now() - started < 2_000, `answered in ${Date.now() - started} ms`);
  });
}

/** A runner whose programs never answer: what a dead hard-mounted NFS server does to stat(1) and dd(1). */
const hanging: CommandRunner = (_file, _args, options) => runCommand("sleep", ["60"], options);

t.test("a file system that never answers: the read gives up inside its time", async (t) => {
  const started = Date.now();
  const result = await read(at("vm1.cfg"), hanging, 800);
  const took = Date.now() - started;
  t.match(result, { ok: false, kind: "unreadable", problem: /^did not answer within 800 ms/ });
  t.ok(took < 800 + 1_500, `gave up after ${took} ms`);
});

/**
 * Why the read is not done in this process: a Node thread-pool thread stuck
 * in a system call keeps process.exit() from returning (libuv joins its pool
 * at exit). An open(2) of a FIFO without a writer stands for the dead NFS
 * server. The agent's way (children) exits at once; the in-process way does
 * not exit at all. If a future Node changes the second, the reasoning in
 * read-user-file.ts should be revisited: this test says so.
 */
const childExits = (script: string, limitMs: number): Promise<{ code: number | null; killed: boolean; ms: number }> =>
  new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "ignore", env: { ...process.env, NODE_OPTIONS: "" } });
    const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, killed: signal === "SIGKILL", ms: Date.now() - started });
    });
  });

t.test("the agent can exit while a read hangs; an in-process read cannot", async (t) => {
  const module = (file: string) => JSON.stringify(fileURLToPath(new URL(`../../../lib/exec/${file}`, import.meta.url)));
  const ours = await childExits(
    `import { readUserFile } from ${module("read-user-file.ts")};
     import { runCommand } from ${module("command.ts")};
     const hanging = (_f, _a, o) => runCommand("sleep", ["60"], o);
     const result = await readUserFile(hanging, "/etc/hostname", { maxBytes: 64, timeoutMs: 300, env: {} });
     process.exit(result.ok ? 1 : 3);`,
    10_000,
  );
  t.same([ours.code, ours.killed], [3, false], `readUserFile: answered and exited in ${ours.ms} ms`);

  const pool = await childExits(
    `import { promises } from "node:fs";
     promises.open(${JSON.stringify(at("fifo.cfg"))}, "r");
     setTimeout(() => process.exit(3), 300);`,
    3_000,
  );
  t.equal(pool.killed, true, "fs.promises.open of a FIFO: process.exit(3) did not end the process within 3 s");
});

t.test("monitor scripts: an executable regular file, asked of test(1) in children", async (t) => {
  writeFileSync(at("check"), "#!/bin/sh\nexit 0\n");
  chmodSync(at("check"), 0o755);
  writeFileSync(at("-x"), "#!/bin/sh\n");
  chmodSync(at("-x"), 0o755);
  const executable = (path: string, run: CommandRunner = runCommand, timeoutMs = 5_000) => isExecutableUserFile(run, path, { timeoutMs, env: {} });
  t.equal(await executable(at("check")), true, "an executable script");
  t.equal(await executable(at("-x")), true, "named like an option");
  t.equal(await executable(at("vm1.cfg")), false, "not executable");
  t.equal(await executable(at("dir.cfg")), false, "a directory, even with its x bit");
  t.equal(await executable(at("fifo.cfg")), false, "a FIFO");
  t.equal(await executable(at("missing")), false, "missing");
  t.equal(await executable(at("check"), hanging, 500), "no answer", "a file system that never answers");
});
