import t from "tap";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand, type CommandResult, type CommandRunner } from "../../../lib/exec/command.ts";
import { quoteForShell, sshOptions, sshRunner, type SshTarget } from "../../../lib/exec/ssh.ts";

const target: SshTarget = {
  host: "dom0-a",
  user: "root",
  port: 22,
  identityFile: "/etc/xen-ha/id_ed25519",
  hostKeyPolicy: "strict",
  knownHostsFile: undefined,
  loginTimeoutS: 5,
  sshPath: "ssh",
  extraOptions: [],
};

/** A runner that records what it was asked to run and answers like a tool that exited 0. */
function recording(reply: Partial<CommandResult> = {}): { run: CommandRunner; calls: { file: string; args: readonly string[]; timeoutMs: number }[] } {
  const calls: { file: string; args: readonly string[]; timeoutMs: number }[] = [];
  const run: CommandRunner = async (file, args, options) => {
    calls.push({ file, args, timeoutMs: options.timeoutMs });
    return { command: [file, ...args].join(" "), exitCode: 0, spawnError: undefined, signal: undefined, timedOut: false, stdout: "", stderr: "", durationMs: 1, ...reply };
  };
  return { run, calls };
}

t.test("ssh never prompts, gives up connecting in time and follows the host-key policy", async (t) => {
  t.same(sshOptions(target), [
    "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "StrictHostKeyChecking=yes",
    "-o", "LogLevel=ERROR", "-p", "22", "-l", "root", "-i", "/etc/xen-ha/id_ed25519", "-T",
  ]);
  t.same(sshOptions({ ...target, hostKeyPolicy: "accept-new", identityFile: undefined, knownHostsFile: "/k" }).slice(4, 8), [
    "-o", "StrictHostKeyChecking=accept-new", "-o", "UserKnownHostsFile=/k",
  ]);
  t.same(sshOptions({ ...target, hostKeyPolicy: "ignore" }).slice(4, 8), [
    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
  ]);
});

t.test("what is left unset is left to ssh: no -l, -p or host-key option of ours", async (t) => {
  const unset = { ...target, user: undefined, port: undefined, identityFile: undefined, hostKeyPolicy: undefined };
  t.same(sshOptions(unset), ["-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR", "-T"]);
});

t.test("extra options come after ours: ssh keeps the first value, so BatchMode=no cannot undo batch mode", async (t) => {
  const words = sshOptions({ ...target, extraOptions: ["BatchMode=no", "Compression=no"] });
  t.ok(words.indexOf("BatchMode=yes") < words.indexOf("BatchMode=no"));
  t.ok(words.indexOf("Compression=no") < words.indexOf("-p"), "before the host, among the options");
});

t.test("ssh gives up connecting within the call's own time, never later than the login timeout", async (t) => {
  const cases = [
    { timeoutMs: 60_000, connect: "ConnectTimeout=5" },
    { timeoutMs: 2_700, connect: "ConnectTimeout=2" },
    { timeoutMs: 300, connect: "ConnectTimeout=1" },
  ];
  for (const c of cases) {
    const ssh = recording();
    await sshRunner(target, ssh.run)("xl", ["list"], { timeoutMs: c.timeoutMs });
    t.ok(ssh.calls[0]?.args.includes(c.connect), `${c.timeoutMs} ms: ${c.connect}`);
    t.equal(ssh.calls[0]?.timeoutMs, c.timeoutMs, "the call's deadline is ssh's deadline");
  }
});

t.test("ssh that cannot be started is ssh's failure (255), not the remote tool missing", async (t) => {
  const ssh = recording({ exitCode: undefined, spawnError: "ENOENT" });
  const result = await sshRunner({ ...target, sshPath: "/nonexistent/ssh" }, ssh.run)("xl", ["list"], { timeoutMs: 1_000 });
  t.match(result, { exitCode: 255, spawnError: undefined, stderr: "cannot run /nonexistent/ssh: ENOENT\n", command: "xl list (on dom0-a via ssh)" });
});

t.test("messages name the node and the address it was reached at, when they differ", async (t) => {
  const result = await sshRunner({ ...target, host: "10.9.0.2", label: "node2" }, recording().run)("xl", ["info"], { timeoutMs: 1_000 });
  t.equal(result.command, "xl info (on node2 via ssh 10.9.0.2)");
});

t.test("harmless words travel as they are; the rest is single-quoted", async (t) => {
  t.equal(quoteForShell("vm-1.example:22"), "vm-1.example:22");
  t.equal(quoteForShell('name="vm1"'), `'name="vm1"'`);
  t.equal(quoteForShell("it's"), `'it'\\''s'`);
  t.equal(quoteForShell(""), "''");
});

/**
 * What real ssh does with the remote words: joins them with spaces and gives
 * the line to the remote user's shell. Here that shell is /bin/sh running
 * printf, so the test sees the words the remote command would receive, and a
 * quoting mistake would run the injected command (and create the marker).
 */
function shellLikeSsh(dir: string): { run: CommandRunner; lines: string[] } {
  const lines: string[] = [];
  const run: CommandRunner = async (file, args, options) => {
    const hostAt = args.indexOf("dom0-a");
    const remoteLine = args.slice(hostAt + 1).join(" ");
    lines.push(remoteLine);
    return runCommand("/bin/sh", ["-c", `cd ${dir} && printf '<%s>\\n' ${remoteLine}`], options);
  };
  return { run, lines };
}

const NASTY = [
  "$(touch pwned-1)",
  "`touch pwned-2`",
  "vm; touch pwned-3",
  "a|touch pwned-4",
  "a && touch pwned-5",
  "it's \"quoted\"",
  "back\\slash",
  "*",
  "~root",
  "$HOME",
  "two  spaces\tand tab",
  "> pwned-6",
  "line\nbreak",
];

t.test("every shell metacharacter reaches the remote command as one literal word, and nothing runs", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ssh-quote-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const ssh = shellLikeSsh(dir);
  const remote = sshRunner(target, ssh.run);
  const result = await remote("xl", ["list", ...NASTY], { timeoutMs: 10_000 });
  t.equal(result.exitCode, 0, result.stderr);
  t.same(result.stdout, ["xl", "list", ...NASTY].map((word) => `<${word}>\n`).join(""));
  for (let i = 1; i <= 6; i++) t.notOk(existsSync(join(dir, `pwned-${i}`)), `pwned-${i} was not created`);
  t.equal(result.command, `xl list ${NASTY.join(" ")} (on dom0-a via ssh)`, "messages name the remote command, not ssh's options");
});
