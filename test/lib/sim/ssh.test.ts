import t from "tap";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../../../lib/exec/command.ts";
import { callLog, createSimHost, killHost, setHostKnobs } from "../../../lib/sim/index.ts";
import { FAST, run, simRoot } from "./support.ts";

/** The fake ssh between simulated hosts. */

function twoHosts(t: Parameters<typeof simRoot>[0]) {
  const root = simRoot(t);
  const node1 = createSimHost({ root, host: "node1", timeFactor: FAST });
  const node2 = createSimHost({ root, host: "node2", timeFactor: FAST, addresses: ["10.0.0.2"] });
  return { root, node1, node2 };
}

t.test("runs the command on the target host, by name or address, streams connected", async (t) => {
  const { root, node1 } = twoHosts(t);
  const remote = await run(node1, "ssh", ["-o", "BatchMode=yes", "-T", "root@node2", "printenv", "XEN_SIM_HOST"]);
  t.same([remote.exitCode, remote.stdout], [0, "node2\n"]);
  const byAddress = await run(node1, "ssh", ["-l", "root", "10.0.0.2", "xl", "info", "host"]);
  t.same([byAddress.exitCode, byAddress.stdout], [0, "node2\n"], "the target's own xl is first on PATH");
  const piped = await runCommand(join(node1.binDir, "ssh"), ["node2", "cat"], { timeoutMs: 10_000, env: { ...node1.env, NODE_OPTIONS: undefined }, input: "stream\n" });
  t.equal(piped.stdout, "stream\n", "stdin passes through");
  const exit = await run(node1, "ssh", ["node2", "sh", "-c", "'exit 7'"]);
  t.equal(exit.exitCode, 7, "the remote exit code comes back");
  t.same(
    callLog(root, "node1").map((c) => [c.tool, c.argv[c.argv.length - 1]]),
    [["ssh", "XEN_SIM_HOST"], ["ssh", "host"], ["ssh", "cat"], ["ssh", "'exit 7'"]],
    "logged on the calling host",
  );
  t.same(callLog(root, "node2").map((c) => c.argv.join(" ")), ["info host"], "the remote xl call is logged on the target");
});

t.test("failures: exit 255 with ssh's texts", async (t) => {
  const { root, node1 } = twoHosts(t);
  const unknown = await run(node1, "ssh", ["nodeX", "xl", "list"]);
  t.same([unknown.exitCode, unknown.stderr], [255, "ssh: Could not resolve hostname nodeX: Name or service not known\n"]);
  setHostKnobs(root, "node2", { sshDeny: true });
  const denied = await run(node1, "ssh", ["admin@node2", "xl", "list"]);
  t.same([denied.exitCode, denied.stderr], [255, "admin@node2: Permission denied (publickey).\n"]);
  setHostKnobs(root, "node2", { sshDeny: false, sshHang: true });
  t.equal((await run(node1, "ssh", ["node2", "xl", "list"], 1_000)).timedOut, true, "a hanging host never answers");
  killHost(root, "node2");
  const down = await run(node1, "ssh", ["-p", "2222", "node2", "xl", "list"]);
  t.same([down.exitCode, down.stderr], [255, "ssh: connect to host node2 port 2222: No route to host\n"]);
  const missing = await run(node1, "ssh", ["node1", "nosuchcommand"]);
  t.same([missing.exitCode, missing.stderr], [127, "bash: line 1: nosuchcommand: command not found\n"]);
  const badOption = await run(node1, "ssh", ["-Z", "node1", "true"]);
  t.equal(badOption.exitCode, 255);
  t.match(badOption.stderr, /^unknown option -- Z\nusage: ssh /);
});

t.test("a missing identity file warns and carries on", async (t) => {
  const { root, node1 } = twoHosts(t);
  const key = join(root, "id_ed25519");
  writeFileSync(key, "key\n", { mode: 0o600 });
  const ok = await run(node1, "ssh", ["-i", key, "node2", "true"]);
  t.same([ok.exitCode, ok.stderr], [0, ""]);
  const warned = await run(node1, "ssh", ["-i", "/nonexistent/key", "node2", "true"]);
  t.same([warned.exitCode, warned.stderr], [0, "Warning: Identity file /nonexistent/key not accessible: No such file or directory.\n"]);
});
