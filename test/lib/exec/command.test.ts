import t from "tap";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runWith, type CommandResult } from "../../../lib/exec/command.ts";
import { BACKENDS } from "./backends.ts";

/**
 * What a tool's run comes back as, the same whichever backend started it:
 * a start failure is a value with its errno code, the output and the exit
 * are kept as they were, the environment is the caller's plus LC_ALL=C.
 * (Deadlines: deadline-grandchild.test.ts.)
 */
const dir = mkdtempSync(join(tmpdir(), "xen-ha-command-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const notExecutable = join(dir, "not-executable");
writeFileSync(notExecutable, "#!/bin/sh\necho never\n");
chmodSync(notExecutable, 0o644);

interface Case {
  readonly name: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly input?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly expect: Partial<CommandResult>;
}

process.env.XEN_HA_COMMAND_TEST_INHERITED = "inherited";
const cases: readonly Case[] = [
  { name: "a missing tool", file: join(dir, "missing"), args: [], expect: { spawnError: "ENOENT", exitCode: undefined, timedOut: false } },
  { name: "a file that is not executable", file: notExecutable, args: [], expect: { spawnError: "EACCES", exitCode: undefined } },
  { name: "a directory", file: dir, args: [], expect: { spawnError: "EACCES", exitCode: undefined } },
  { name: "a NUL byte in an argument (refused before any fork)", file: "echo", args: ["a\0b"], expect: { spawnError: "EINVAL", stdout: "" } },
  { name: "a NUL byte in the environment", file: "true", args: [], env: { X: "a\0b" }, expect: { spawnError: "EINVAL" } },
  {
    name: "exit code and both outputs",
    file: "sh",
    args: ["-c", "echo out; echo err >&2; exit 3"],
    expect: { exitCode: 3, spawnError: undefined, signal: undefined, stdout: "out\n", stderr: "err\n", command: "sh -c echo out; echo err >&2; exit 3" },
  },
  { name: "killed by a signal", file: "sh", args: ["-c", "kill -USR1 $$"], expect: { exitCode: undefined, signal: "SIGUSR1" } },
  { name: "input on stdin", file: "cat", args: [], input: "a\nb\n", expect: { exitCode: 0, stdout: "a\nb\n" } },
  { name: "input larger than a pipe holds, read back whole", file: "cat", args: [], input: "0123456789abcde\n".repeat(1 << 16), expect: { exitCode: 0, stdout: "0123456789abcde\n".repeat(1 << 16) } },
  { name: "a tool that does not read its input", file: "true", args: [], input: "x".repeat(1 << 20), expect: { exitCode: 0 } },
  { name: "no input: stdin is closed", file: "cat", args: [], expect: { exitCode: 0, stdout: "" } },
  {
    name: "the environment: inherited, set, unset, and LC_ALL=C whatever the caller says",
    file: "sh",
    args: ["-c", 'echo "$XEN_HA_COMMAND_TEST_INHERITED/$SET/${HOME-unset}/$LC_ALL"'],
    env: { SET: "set", HOME: undefined, LC_ALL: "de_DE.UTF-8" },
    expect: { exitCode: 0, stdout: "inherited/set/unset/C\n" },
  },
  { name: "an argument with a leading dash, spaces and quotes stays one argument", file: "printf", args: ["%s|", "-n", "a b", `'"`], expect: { stdout: `-n|a b|'"|` } },
  { name: "output that is not UTF-8", file: "printf", args: ["\\377ok"], expect: { exitCode: 0, stdout: "\uFFFDok" } },
];

for (const backend of BACKENDS) {
  const run = runWith(backend.start);
  for (const c of cases) {
    t.test(`${backend.name}: ${c.name}`, async (t) => {
      const result = await run(c.file, c.args, { timeoutMs: 10_000, ...(c.input === undefined ? {} : { input: c.input }), ...(c.env ? { env: c.env } : {}) });
      t.match(result, c.expect);
      t.ok(result.durationMs >= 0 && result.durationMs < 10_000, `answered in ${result.durationMs} ms`);
    });
  }
  t.test(`${backend.name}: a working directory`, async (t) => {
    t.match(await run("pwd", [], { timeoutMs: 10_000, cwd: dir }), { exitCode: 0, stdout: `${dir}\n` });
  });
}
