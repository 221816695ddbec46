import t from "tap";
import { callLog, killHost, setGuestBehaviour, setHostKnobs } from "../../../lib/sim/index.ts";
import { domainsOn, fence, fenceLab, labOptions, startDomain, xl } from "./support.ts";

t.test("a domain that ignores shutdown is fenced all the same (destroy, not a shutdown request)", async (t) => {
  const lab = fenceLab(t, ["dom0a"]);
  await startDomain(lab, "dom0a", "vm1");
  setGuestBehaviour(lab.root, "dom0a", "vm1", { ignoreShutdown: true });
  const asked = await xl(lab, "dom0a", ["shutdown", "vm1"]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.same(domainsOn(lab, "dom0a"), ["vm1"], `after xl shutdown (exit ${asked.exitCode}) the guest keeps running`);
  const run = await fence(lab, { ...labOptions(lab), action: "off", port: "vm1" });
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout, "Success: Powered OFF\n");
  t.same(domainsOn(lab, "dom0a"), []);
});

t.test("a dom0 that does not answer: fencing fails with a reason, it never pretends", async (t) => {
  const lab = fenceLab(t, ["dom0a", "dom0b"]);
  await startDomain(lab, "dom0a", "vm1");
  killHost(lab.root, "dom0b");
  const options = { ...labOptions(lab), power_timeout: "2" };

  const status = await fence(lab, { ...options, action: "status", port: "vm2" });
  t.equal(status.code, 1, "vm2 might run on dom0b: its state is unknown, not off");
  t.match(status.stderr, /cannot tell whether vm2 runs: dom0b: xl list \(on dom0b via ssh\): exit 255: ssh: connect to host dom0b port 22: No route to host/);

  t.match(await fence(lab, { ...options, action: "status", port: "vm1" }), { code: 0, stdout: "Status: ON\n" }, "a sighting is proof enough of on");

  const off = await fence(lab, { ...options, action: "off", port: "vm1" });
  t.equal(off.code, 1, "vm1 is destroyed on dom0a, but dom0b cannot confirm it has no copy");
  t.match(off.stderr, /Failed: could not destroy vm1: dom0b: xl list \(on dom0b via ssh\): .*No route to host/);
  t.same(domainsOn(lab, "dom0a"), [], "the copy it could reach is gone");

  const monitor = await fence(lab, { ...options, action: "monitor", dom0_fence_history: "false" });
  t.equal(monitor.code, 1, "without the dom0 cluster's fence history, a silent dom0 fails every fence: the device is not working");
  t.match(monitor.stderr, /dom0s not answering: dom0b:/);
  const settleable = await fence(lab, { ...options, action: "monitor" });
  t.equal(settleable.code, 0, "with it (the default), a fence can settle dom0b while dom0a answers: the device works");
  t.match(settleable.stderr, /WARN: dom0s not answering: dom0b: .*; a fence settles them by the dom0 cluster's fence history/);
  killHost(lab.root, "dom0a");
  t.equal((await fence(lab, { ...options, action: "monitor" })).code, 1, "no dom0 answers: nothing can be settled");
  t.equal((await fence(lab, { ...options, action: "list" })).code, 1, "a list missing a dom0 is not a list");
});

t.test("a dom0 whose ssh hangs: the agent answers within its own budget", async (t) => {
  const lab = fenceLab(t, ["dom0a", "dom0b"]);
  setHostKnobs(lab.root, "dom0b", { sshHang: true });
  const run = await fence(lab, { ...labOptions(lab), action: "status", port: "vm1", login_timeout: "1", shell_timeout: "1" });
  t.equal(run.code, 1);
  t.match(run.stderr, /dom0b: xl list \(on dom0b via ssh\): no answer within \d+ ms, killed/);
  // Per call: login 1 s + shell 1 s, then TERM to the ssh process group and (KILL_AFTER_MS later) KILL; nowhere near waiting for ever.
  t.ok(run.ms < 8_000, `answered in ${run.ms} ms (per-call limit 2 s)`);
});

t.test("bad credentials: authentication failure is a failed fence, with ssh's words", async (t) => {
  const lab = fenceLab(t, ["dom0a"]);
  await startDomain(lab, "dom0a", "vm1");
  setHostKnobs(lab.root, "dom0a", { sshDeny: true });
  const run = await fence(lab, { ...labOptions(lab), action: "reboot", port: "vm1", username: "fencer" });
  t.equal(run.code, 1);
  t.match(run.stderr, /dom0a: xl list \(on dom0a via ssh\): exit 255: fencer@dom0a: Permission denied \(publickey\)\./);
  t.same(domainsOn(lab, "dom0a"), ["vm1"], "nothing was done");
});

t.test("a domain that migrated to another dom0 is found there", async (t) => {
  const lab = fenceLab(t, ["dom0a", "dom0b", "dom0c"]);
  await startDomain(lab, "dom0a", "vm1");
  await xl(lab, "dom0a", ["destroy", "vm1"]);
  await startDomain(lab, "dom0c", "vm1");
  const run = await fence(lab, { ...labOptions(lab), action: "off", port: "vm1" });
  t.equal(run.code, 0, run.stderr);
  t.same(["dom0a", "dom0b", "dom0c"].map((h) => domainsOn(lab, h)), [[], [], []]);
});

t.test("a domain caught in the middle of a migration: both copies are destroyed", async (t) => {
  const lab = fenceLab(t, ["dom0a", "dom0b"]);
  await startDomain(lab, "dom0a", "vm1");
  // xl migrate: the target holds NAME--incoming until the handover (doc/xl-behaviour.md §4.3).
  await startDomain(lab, "dom0b", "vm1--incoming", "vm1");
  t.match(await fence(lab, { ...labOptions(lab), action: "status", port: "vm1" }), { code: 0, stdout: "Status: ON\n" });
  const run = await fence(lab, { ...labOptions(lab), action: "off", port: "vm1" });
  t.equal(run.code, 0, run.stderr);
  t.match(run.stderr, /vm1 destroyed on dom0a[\s\S]*|vm1--incoming destroyed on dom0b/);
  t.same([domainsOn(lab, "dom0a"), domainsOn(lab, "dom0b")], [[], []]);
});

t.test("an ssh_path that is no program is refused before any call; a bare name missing from PATH is ssh's failure", async (t) => {
  const lab = fenceLab(t, ["dom0a"]);
  for (const [path, why] of [["/nonexistent/ssh", "ENOENT"], ["/dev/null", ""], ["/etc", ""]] as const) {
    const run = await fence(lab, { ...labOptions(lab), action: "monitor", ssh_path: path });
    t.equal(run.code, 1, path);
    t.match(run.stderr, new RegExp(`ERROR: Failed: ssh_path: ${path} is not an executable file${why ? ` \\(${why}\\)` : ""}`), `${path}: refused, naming ssh_path`);
  }
  t.same(callLog(lab.root, "dom0a"), [], "no dom0 was asked anything");
  const run = await fence(lab, { ...labOptions(lab), action: "monitor", ssh_path: "no-such-ssh-client" });
  t.equal(run.code, 1);
  t.match(run.stderr, /dom0a: xl list \(on dom0a via ssh\): exit 255: cannot run no-such-ssh-client: ENOENT/, "not a missing toolstack");
});
