import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
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
for (const name of ["-", "(", "!", "{}", "-name"]) writeFileSync(at(name), `${name}\n`);
symlinkSync(at("vm1.cfg"), at("link.cfg"));
symlinkSync(at("fifo.cfg"), at("link-to-fifo.cfg"));
symlinkSync("/dev/zero", at("link-to-zero.cfg"));
symlinkSync(at("missing.cfg"), at("dangling.cfg"));
symlinkSync(at("loop-b.cfg"), at("loop-a.cfg"));
symlinkSync(at("loop-a.cfg"), at("loop-b.cfg"));

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
  ["a path through a regular file", at("vm1.cfg/x"), /^unreadable: cannot be read on this host \(cannot stat .*: Not a directory\)$/],
  ["an empty path", "", /^missing: cannot be read on this host \(cannot stat '': No such file or directory\)$/],
  ["a symbolic link to a regular file", at("link.cfg"), 'name = "vm1"\n'],
  ["a symbolic link to a FIFO", at("link-to-fifo.cfg"), /^refused: is a fifo, not a regular file$/],
  ["a symbolic link to /dev/zero", at("link-to-zero.cfg"), /^refused: is a character special file, not a regular file$/],
  ["a dangling symbolic link", at("dangling.cfg"), /^missing: cannot be read on this host \(cannot stat '.*dangling.cfg': No such file or directory\)$/],
  ["a loop of symbolic links", at("loop-a.cfg"), /^unreadable: cannot be read on this host \(cannot stat '.*loop-a.cfg': Too many levels of symbolic links\)$/],
  ["a name find would read as its expression: '('", at("("), "(\n"],
  ["a name in which find substitutes nothing: '{}'", at("{}"), "{}\n"],
];

/** Relative paths (the agents' are absolute; the reader must not care): names find would take for its expression. */
for (const name of ["-", "(", "!", "-name", "-rf"]) {
  t.test(`a relative path named '${name}'`, async (t) => {
    const result = await readUserFile(runCommand, name, { maxBytes: MAX, timeoutMs: 5_000, env: {} }).catch((error: unknown) => String(error));
    t.same(typeof result === "string" ? result : result.ok ? result.text : result.problem, `${name === "-rf" ? "dash" : name}\n`);
  });
}

process.chdir(dir);
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

/**
 * A FIFO is never opened, not even for the O_NONBLOCK open that cannot
 * hang: a writer waiting in open(2) for a reader would go on to leave its
 * mark (on a real export, opening can be what hangs; on a device, what has
 * side effects).
 */
t.test("a FIFO with a writer waiting for a reader: nothing opens it", async (t) => {
  const mark = at("opened");
  for (const path of [at("fifo.cfg"), at("link-to-fifo.cfg")]) {
    const writer = spawn("sh", ["-c", 'echo x > "$0"; touch "$1"', at("fifo.cfg"), mark], { stdio: "ignore" });
    t.teardown(() => void writer.kill("SIGKILL"));
    t.match(await read(path), { ok: false, kind: "refused" }, path);
    t.match(await readUserFile(runCommand, path, { maxBytes: MAX, timeoutMs: 5_000, env: {}, tail: true }), { ok: false, kind: "refused" }, `${path}, as a log's end`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    t.equal(existsSync(mark), false, "the writer still waits: no reader ever opened the FIFO");
    writer.kill("SIGKILL");
  }
});

/** A log's end (tail): the last maxBytes, whatever the file's size; a file within the bound is one child, a longer one two. */
t.test("a log's end", async (t) => {
  const log = at("xl-vm1.log");
  const tail = (run: CommandRunner = runCommand) => readUserFile(run, log, { maxBytes: MAX, timeoutMs: 5_000, env: {}, tail: true });
  const counting = () => {
    const programs: string[] = [];
    const run: CommandRunner = (file, args, options) => (programs.push(file.split("/").at(-1) ?? file), runCommand(file, args, options));
    return { run, programs };
  };
  for (const [label, content] of [
    ["empty", ""],
    ["shorter than the bound", "line 1\nline 2\n"],
    ["exactly the bound", "y".repeat(MAX)],
    ["one byte over", `z${"y".repeat(MAX)}`],
    ["a hundred times the bound", `${"a".repeat(100 * MAX - 10)}last line\n`],
  ] as const) {
    writeFileSync(log, content);
    const { run, programs } = counting();
    const result = await tail(run);
    t.same(result.ok ? result.text : result, content.slice(-MAX), `${label}: its last ${MAX} bytes`);
    t.same(programs, content.length <= MAX ? ["find"] : ["find", "dd"], `${label}: ${programs.join(", ")}`);
  }
  const whole = counting();
  await read(at("vm1.cfg"), whole.run);
  t.same(whole.programs, ["find"], "a whole file within its bound: one child too");
  // grown since the stat (as a log does): the end as of the stat, plus up to maxBytes of what came after
  writeFileSync(log, "o".repeat(2 * MAX));
  const growing: CommandRunner = async (file, args, options) => {
    const result = await runCommand(file, args, options);
    if (file.endsWith("find")) appendFileSync(log, "n".repeat(MAX / 2));
    return result;
  };
  const grown = await tail(growing);
  t.same(grown.ok ? grown.text : grown, `${"o".repeat(MAX / 2)}${"n".repeat(MAX / 2)}`, "grown after the stat: what the read found last");
});

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

t.test("monitor scripts: an executable regular file, asked of find(1) in one child", async (t) => {
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
  symlinkSync(at("check"), at("check-link"));
  symlinkSync(at("dir.cfg"), at("dir-link"));
  writeFileSync(at("!"), "#!/bin/sh\n");
  chmodSync(at("!"), 0o755);
  t.equal(await executable(at("check-link")), true, "a symbolic link to an executable script");
  t.equal(await executable(at("dir-link")), false, "a symbolic link to a directory");
  t.equal(await executable(at("dangling.cfg")), false, "a dangling symbolic link");
  t.equal(await executable(at("loop-a.cfg")), false, "a loop of symbolic links");
  t.equal(await executable("-x"), true, "a relative path named like an option");
  t.equal(await executable("!"), true, "a relative path named like find's negation");
  t.equal(await executable(""), false, "an empty path");
  const programs: string[] = [];
  const counting: CommandRunner = (file, args, options) => (programs.push(file.split("/").at(-1) ?? file), runCommand(file, args, options));
  await executable(at("check"), counting);
  t.same(programs, ["find"], "one child");
});
