import t, { type Test } from "tap";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KILL_AFTER_MS } from "../../lib/exec/command.ts";
import { setHostKnobs } from "../../lib/sim/index.ts";
import { pidsIn, survivors } from "../support/process-groups.ts";
import { simResource, type SimResource } from "../support/sim-resource.ts";
import { fence, fenceLab, labOptions } from "./fence-xen/support.ts";

/**
 * The agents' deadlines hold when the hang is not in the program they
 * started but in a child of it: a monitor script's child, the xl behind a
 * wrapper that does not `exec`, the command an ssh runs on a dom0. Each
 * program in the middle writes its pid (the id of the process group the
 * agent gave it) to a file, so the test can see afterwards that nothing of
 * any such group is left. Bounds are the agent's own limit plus slack for a
 * loaded machine, far below the 600 s the hung processes would take.
 */
const SLACK_MS = 3_000;

function executable(dir: string, name: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

async function nothingLeft(t: Test, pidFile: string): Promise<void> {
  const groups = pidsIn(pidFile);
  t.ok(groups.length > 0, `the program in the middle ran (${groups.length} time(s))`);
  for (const pgid of groups) t.same(await survivors(pgid), [], `nothing of process group ${pgid} is alive`);
}

function resource(t: Test): SimResource {
  const r = simResource();
  t.teardown(() => r.dispose());
  return r;
}

t.test("XenDomain monitor: a monitor script whose own child hangs is ended at monitor_scripts_timeout", async (t) => {
  const r = resource(t);
  t.equal((await r.run("start")).code, 0);
  const pidFile = join(r.root, "check.pids");
  // the script waits for its child (no exec), which never answers
  const check = executable(join(r.root, "scripts"), "check.sh", `#!/bin/sh\necho $$ >> ${pidFile}\nsleep 600\necho done\n`);
  const opTimeoutMs = 20_000;
  const scriptTimeoutS = 2;
  const run = await r.run("monitor", {
    OCF_RESKEY_CRM_meta_interval: "10000",
    OCF_RESKEY_CRM_meta_timeout: String(opTimeoutMs),
    OCF_RESKEY_monitor_scripts: check,
    OCF_RESKEY_monitor_scripts_timeout: String(scriptTimeoutS),
  });
  t.equal(run.code, 1, run.stderr);
  t.match(run.reasons.at(-1), /^monitor script failed: \S+check\.sh: no answer within \d+ ms, killed$/);
  const bound = scriptTimeoutS * 1000 + KILL_AFTER_MS + SLACK_MS;
  t.ok(run.ms < bound, `answered in ${run.ms} ms (script limit ${scriptTimeoutS} s; op timeout ${opTimeoutMs} ms)`);
  await nothingLeft(t, pidFile);
  t.equal((await r.run("stop")).code, 0);
});

t.test("XenDomain probe and stop: an xl wrapper that does not exec, then hangs in a child", async (t) => {
  const r = resource(t);
  t.equal((await r.run("start")).code, 0);
  const simXl = join(r.env["PATH"]!.split(":")[0]!, "xl");
  const pidFile = join(r.root, "wrapper.pids");
  const wrappers = join(r.root, "wrappers");
  // what a site's logging wrapper might do: run the real xl as a child, then something that never returns
  executable(wrappers, "xl", `#!/bin/sh\necho $$ >> ${pidFile}\n${simXl} "$@"\nsleep 600\n`);
  const path = `${wrappers}:${r.env["PATH"]}`;
  const opTimeoutMs = 5_000;
  for (const [action, extra] of [
    ["monitor", { OCF_RESKEY_CRM_meta_interval: "0" }],
    ["stop", {}],
  ] as const) {
    const run = await r.run(action, { ...extra, PATH: path, OCF_RESKEY_CRM_meta_timeout: String(opTimeoutMs) });
    t.equal(run.code, 1, `${action}: an unanswered toolstack is an error, never 'stopped' (${run.reasons.at(-1)})`);
    t.match(run.reasons.at(-1), /no answer within \d+ ms, killed/);
    t.ok(run.ms < opTimeoutMs + SLACK_MS, `${action} answered in ${run.ms} ms (op timeout ${opTimeoutMs} ms)`);
  }
  t.ok(r.domain(), "the domain still runs: nothing was taken for its absence");
  await nothingLeft(t, pidFile);
  t.equal((await r.run("stop")).code, 0, "without the wrapper, stop works");
});

t.test("fence_xen: an ssh whose remote command hangs is ended within the call's limit", async (t) => {
  const lab = fenceLab(t, ["dom0a", "dom0b"]);
  // the remote `xl list` hangs: a child of the (simulated) ssh, which waits for it
  setHostKnobs(lab.root, "dom0b", { hang: ["list"] });
  const pidFile = join(lab.root, "ssh.pids");
  const ssh = executable(join(lab.root, "wrappers"), "ssh", `#!/bin/sh\necho $$ >> ${pidFile}\nexec ${join(lab.client.binDir, "ssh")} "$@"\n`);
  const loginS = 1;
  const shellS = 1;
  const run = await fence(lab, {
    ...labOptions(lab),
    action: "status",
    port: "vm1",
    ssh_path: ssh,
    login_timeout: String(loginS),
    shell_timeout: String(shellS),
  });
  t.equal(run.code, 1, "vm1 might run on dom0b: unknown, not off");
  t.match(run.stderr, /dom0b: xl list \(on dom0b via ssh\): no answer within \d+ ms, killed/);
  // one round of calls, each at most login + shell time, then TERM and KILL
  const bound = (loginS + shellS) * 1000 + KILL_AFTER_MS + SLACK_MS;
  t.ok(run.ms < bound, `answered in ${run.ms} ms (per-call limit ${(loginS + shellS) * 1000} ms)`);
  await nothingLeft(t, pidFile);
});
