import t from "tap";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KILL_AFTER_MS, OUTPUT_GRACE_MS, runCommand, runWith } from "../../../lib/exec/command.ts";
import { BACKENDS, type Backend } from "./backends.ts";
import { pidsIn, survivors } from "../../support/process-groups.ts";

/**
 * runCommand's deadline holds whatever the tool started: the tool's whole
 * process group is killed (TERM, then KILL) and its output is not waited for.
 * Each command writes its own pid (the group's id) to a file, so the test
 * can look in /proc for anything of that group still alive afterwards.
 * Bounds carry generous slack for a loaded machine; they are far below the
 * 600 s the hung processes would otherwise take. Every case runs with each
 * backend that starts tools (execa, and node:child_process for the agents).
 */
const SLACK_MS = 3_000;

interface Case {
  readonly name: string;
  /** A POSIX sh script; PIDFILE names the file for `echo $$`. */
  readonly script: string;
  readonly timeoutMs: number;
  /** The answer arrives by then (from the start of the call). */
  readonly boundMs: number;
  readonly expect: { readonly timedOut: boolean; readonly exitCode?: number; readonly stdout: string };
}

const cases: readonly Case[] = [
  {
    name: "a tool waiting on a hung child",
    script: 'echo $$ > "$PIDFILE"; echo started; sleep 600; echo never',
    timeoutMs: 1_000,
    boundMs: 1_000 + KILL_AFTER_MS,
    expect: { timedOut: true, stdout: "started\n" },
  },
  {
    name: "a tool and its child both ignoring TERM (KILL follows)",
    script: `trap '' TERM; echo $$ > "$PIDFILE"; sh -c "trap '' TERM; sleep 600"; echo never`,
    timeoutMs: 1_000,
    boundMs: 1_000 + KILL_AFTER_MS,
    expect: { timedOut: true, stdout: "" },
  },
  {
    name: "a tool that died, leaving a child that holds its output open and ignores TERM",
    script: `echo $$ > "$PIDFILE"; (trap '' TERM; sleep 600; echo never) & echo answered; exit 3`,
    timeoutMs: 20_000,
    // the tool's own answer counts; the leftover is ended after the output grace
    boundMs: OUTPUT_GRACE_MS,
    expect: { timedOut: false, exitCode: 3, stdout: "answered\n" },
  },
  {
    name: "a tool whose child started a background grandchild, all holding the output",
    script: `echo $$ > "$PIDFILE"; sh -c "(sleep 600) & sleep 600"`,
    timeoutMs: 1_000,
    boundMs: 1_000 + KILL_AFTER_MS,
    expect: { timedOut: true, stdout: "" },
  },
];

const dir = mkdtempSync(join(tmpdir(), "xen-ha-deadline-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

for (const backend of BACKENDS)
for (const [index, c] of cases.entries()) {
  t.test(`${backend.name}: ${c.name}`, async (t) => {
    const pidFile = join(dir, `${backend.key}-case-${index}.pid`);
    const started = Date.now();
    const result = await runWith(backend.start)("sh", ["-c", c.script], { timeoutMs: c.timeoutMs, env: { PIDFILE: pidFile } });
    const wall = Date.now() - started;
    t.ok(wall < c.boundMs + SLACK_MS, `answered in ${wall} ms (bound ${c.boundMs} ms + ${SLACK_MS} ms slack)`);
    t.match(result, c.expect);
    const [pgid] = pidsIn(pidFile);
    t.ok(pgid, "the tool wrote its pid");
    t.same(await survivors(pgid!), [], `nothing of process group ${pgid} is alive`);
  });
}

for (const backend of BACKENDS)
t.test(`${backend.name}: the output a tool printed before it hung is kept`, async (t) => {
  const result = await runWith(backend.start)("sh", ["-c", "printf 'line 1\\nline 2\\n'; echo oops >&2; exec sleep 600"], { timeoutMs: 500 });
  t.match(result, { timedOut: true, stdout: "line 1\nline 2\n", stderr: "oops\n" });
});

/**
 * An agent that is itself ended (an admin's kill, a legacy LRM's TERM) or
 * exits while a tool still runs takes the tool's group with it: the groups
 * live outside the agent's own group, where the LRM's kill would not reach.
 */
const holder = (backend: Backend, pidFile: string, then: string) => `
import { runWith } from ${JSON.stringify(new URL("../../../lib/exec/command.ts", import.meta.url).pathname)};
import { ${backend.exportName} as startProcess } from ${JSON.stringify(new URL(`../../../lib/exec/${backend.module}.ts`, import.meta.url).pathname)};
import { writeFileSync } from "node:fs";
writeFileSync(${JSON.stringify(`${pidFile}.agent`)}, String(process.pid));
void runWith(startProcess)("sh", ["-c", 'echo $$ > "$PIDFILE"; sh -c "sleep 600"'], { timeoutMs: 600_000, env: { PIDFILE: ${JSON.stringify(pidFile)} } });
${then}
`;

async function waitFor<T>(probe: () => T | undefined, withinMs = 10_000): Promise<T | undefined> {
  const until = Date.now() + withinMs;
  for (;;) {
    const value = probe();
    if (value !== undefined || Date.now() >= until) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const backend of BACKENDS)
for (const [name, then, signal] of [
  ["ended by TERM", "setInterval(() => {}, 1000);", "SIGTERM"],
  ["ended by HUP", "setInterval(() => {}, 1000);", "SIGHUP"],
  ["exiting on its own", "setTimeout(() => process.exit(0), 1000);", undefined],
] as const) {
  t.test(`${backend.name}: an agent ${name} while its tool runs leaves nothing of the tool`, async (t) => {
    const pidFile = join(dir, `${backend.key}-agent-${name.replace(/\W/g, "-")}.pid`);
    const program = join(dir, `${backend.key}-agent-${name.replace(/\W/g, "-")}.mts`);
    writeFileSync(program, holder(backend, pidFile, then));
    const agent = runCommand(process.execPath, [program], { timeoutMs: 60_000, env: { NODE_OPTIONS: undefined } });
    const pgid = await waitFor(() => pidsIn(pidFile)[0]);
    t.ok(pgid, "the tool started");
    if (signal) {
      const agentPid = await waitFor(() => pidsIn(`${pidFile}.agent`)[0]);
      process.kill(agentPid!, signal);
    }
    const ended = await agent;
    t.match(ended, signal ? { signal } : { exitCode: 0 }, ended.stderr);
    t.same(await survivors(pgid!), [], `nothing of process group ${pgid} is alive`);
  });
}
