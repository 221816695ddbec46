import t from "tap";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand, type CommandRunner } from "../../../lib/exec/command.ts";
import { quoteForShell, sshOptions, sshRunner, type SshTarget } from "../../../lib/fence/ssh-runner.ts";

const target: SshTarget = {
  host: "dom0-a",
  user: "root",
  port: 22,
  identityFile: "/etc/xen-ha/id_ed25519",
  hostKeyPolicy: "strict",
  knownHostsFile: undefined,
  connectTimeoutS: 5,
  sshPath: "ssh",
};

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
