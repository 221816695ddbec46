import t from "tap";
import { OcfError } from "../../../lib/ocf/exit-code.ts";
import { LOCAL, toolstackOn } from "../../../lib/toolstack/dom0s.ts";
import type { Toolstack } from "../../../lib/toolstack/toolstack.ts";
import { fixture } from "../../support/fixtures.ts";
import { scriptedRunner, type Reply } from "../../support/scripted-runner.ts";

const env = { PATH: "/sim/bin", XEN_SIM_HOST: "node1" };
const make = (tool: "xl" | "xm", argv: readonly string[], reply: Reply, times = 1) => {
  const runner = scriptedRunner(Array.from({ length: times }, () => ({ argv: [tool, ...argv], reply })));
  const options = { run: runner.run, env, callTimeoutMs: (cap: number) => Math.min(cap, 2_000) };
  return { toolstack: toolstackOn(LOCAL, { tool, ...options }).toolstack, runner };
};

/** What a call came to: its value, or the OcfError's code and message. */
async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof OcfError) return { code: error.exitCode, reason: error.message };
    throw error;
  }
}

const noHypervisor = fixture("xl/errors/xl-no-hypervisor.txt");
const lookups: readonly {
  name: string;
  tool: "xl" | "xm";
  reply: Reply;
  expect: unknown;
  target?: string;
  /** A listing that ran and failed is asked once more (build-toolstack.ts); absence, success, a hang, a signal are not. */
  asked?: 2;
}[] = [
  { name: "xl: a listed domain is present, with its row", tool: "xl", reply: { stdout: fixture("xl/4.17/list-vm1.txt") }, expect: { present: true, domain: { name: "vm1", domid: 7, state: { blocked: true } } } },
  { name: "xl: 'invalid domain identifier (rc=-6)' for our name is absent", tool: "xl", target: "nosuch", reply: { exitCode: 1, stderr: fixture("xl/errors/xl-invalid-identifier.txt") }, expect: { present: false } },
  { name: "xl: the same text about another name is an error", tool: "xl", target: "vm1", reply: { exitCode: 1, stderr: fixture("xl/errors/xl-invalid-identifier.txt") }, expect: { code: 1, reason: /nosuch is an invalid domain identifier/ } , asked: 2 },
  { name: "xl: no hypervisor (cannot init xl context) is an error, never absent", tool: "xl", reply: { exitCode: 1, stderr: noHypervisor }, expect: { code: 1, reason: "xl list vm1: exit 1: cannot open libxc handle: No such file or directory; cannot init xl context" } , asked: 2 },
  { name: "xl: Debian's wrapper without a hypervisor is an error", tool: "xl", reply: { exitCode: 1, stderr: fixture("xl/errors/xl-debian-wrapper.txt") }, expect: { code: 1, reason: /Can't find hypervisor information in sysfs!/ } , asked: 2 },
  { name: "xl: a hang, killed at the timeout, is an error", tool: "xl", reply: { timedOut: true }, expect: { code: 1, reason: /xl list vm1: no answer within/ } },
  { name: "xl: killed by a signal is an error", tool: "xl", reply: { signal: "SIGKILL" }, expect: { code: 1, reason: "xl list vm1: killed by SIGKILL" } },
  { name: "xl: not installed (ENOENT) is 5", tool: "xl", reply: { spawnError: "ENOENT" }, expect: { code: 5, reason: "cannot run xl: ENOENT" } },
  { name: "xl: not executable (EACCES) is 5", tool: "xl", reply: { spawnError: "EACCES" }, expect: { code: 5, reason: "cannot run xl: EACCES" } },
  { name: "xl: exit 0 with garbage is an error", tool: "xl", reply: { stdout: "hello\n" }, expect: { code: 1, reason: /unexpected output: no list header/ } },
  { name: "xl: exit 0 without our row is an error", tool: "xl", reply: { stdout: fixture("xl/4.17/list-empty.txt") }, expect: { code: 1, reason: "xl list vm1: exit 0 but no row for vm1" } },
  { name: "xl: exit 1 and silence is an error", tool: "xl", reply: { exitCode: 1 }, expect: { code: 1, reason: "xl list vm1: exit 1" } , asked: 2 },
  { name: "xm: exit 3 'does not exist' for our name is absent", tool: "xm", target: "nosuch", reply: { exitCode: 3, stderr: fixture("xl/errors/xm-no-such-domain.txt") }, expect: { present: false } },
  { name: "xm: the absence text with exit 1 is an error", tool: "xm", target: "nosuch", reply: { exitCode: 1, stderr: fixture("xl/errors/xm-no-such-domain.txt") }, expect: { code: 1 } , asked: 2 },
  { name: "xm: xend not running is an error", tool: "xm", reply: { exitCode: 1, stderr: fixture("xl/errors/xm-no-xend.txt") }, expect: { code: 1, reason: /Unable to connect to xend/ } , asked: 2 },
  { name: "xm: a listed domain is present", tool: "xm", target: "vm16", reply: { stdout: fixture("xl/3.4-xm/list-vm16.txt") }, expect: { present: true, domain: { domid: 121 } } },
];

for (const c of lookups) {
  t.test(c.name, async (t) => {
    const target = c.target ?? "vm1";
    const { toolstack, runner } = make(c.tool, ["list", target], c.reply, 2);
    t.match(await outcome(() => toolstack.lookup(target)), c.expect);
    t.same(runner.unexpected, []);
    t.equal(runner.calls.length, c.asked ?? 1, `asked ${c.asked ?? 1} time(s)`);
  });
}

t.test("a failed listing is asked again only when the deadline leaves room for it", async (t) => {
  for (const [left, asked] of [[2_000, 2], [600, 1]] as const) {
    const runner = scriptedRunner([1, 2].map(() => ({ argv: ["xl", "list"], reply: { exitCode: 1, stderr: noHypervisor } })));
    const { toolstack } = toolstackOn(LOCAL, { tool: "xl", run: runner.run, env, callTimeoutMs: (cap: number) => Math.min(cap, left) });
    t.match(await outcome(() => toolstack.list()), { code: 1, reason: /cannot init xl context/ });
    t.equal(runner.calls.length, asked, `${left} ms left: asked ${asked} time(s)`);
  }
});

t.test("lookup by domid: 'Domain N does not exist' is absent; a dying (null) row is present", async (t) => {
  const gone = make("xl", ["list", "42"], { exitCode: 1, stderr: fixture("xl/errors/xl-no-such-domid.txt") });
  t.same(await gone.toolstack.lookupId(42), { present: false });
  const zombie = make("xl", ["list", "5"], { stdout: fixture("xl/4.17/list.txt") });
  t.match(await zombie.toolstack.lookupId(5), { present: true, domain: { name: undefined, state: { dying: true } } });
});

t.test("every call carries the agent's environment and a deadline-bounded timeout", async (t) => {
  const { toolstack, runner } = make("xl", ["list", "vm1"], { stdout: fixture("xl/4.17/list-vm1.txt") });
  await toolstack.lookup("vm1");
  t.same(runner.calls[0]?.options, { timeoutMs: 2_000, env });
});

const commands: readonly { name: string; tool: "xl" | "xm"; argv: readonly string[]; reply: Reply; call: (ts: Toolstack) => Promise<unknown>; expect: unknown }[] = [
  { name: "xl create quotes the name override (xl.cfg syntax)", tool: "xl", argv: ["create", "/etc/xen/vm1.cfg", 'name="vm1"'], reply: { stderr: "Parsing config from /etc/xen/vm1.cfg\n" }, call: (ts) => ts.create("/etc/xen/vm1.cfg", "vm1"), expect: undefined },
  { name: "xm create passes the name bare (Python config)", tool: "xm", argv: ["create", "/etc/xen/vm1.cfg", "name=vm1"], reply: { stdout: "Using config file \"/etc/xen/vm1.cfg\".\nStarted domain vm1 (id=3)\n" }, call: (ts) => ts.create("/etc/xen/vm1.cfg", "vm1"), expect: undefined },
  { name: "a failed create reports libxl's messages without source locations", tool: "xl", argv: ["create", "/etc/xen/vm1.cfg", 'name="vm1"'], reply: { exitCode: 3, stderr: fixture("xl/errors/xl-create-name-clash.txt") }, call: (ts) => ts.create("/etc/xen/vm1.cfg", "vm1"), expect: { code: 1, reason: 'xl create /etc/xen/vm1.cfg name="vm1": exit 3: Domain with name "vm1" already exists.; cannot make domain: -6' } },
  { name: "xl shutdown acknowledged", tool: "xl", argv: ["shutdown", "vm1"], reply: { stderr: "Shutting down domain 7\n" }, call: (ts) => ts.requestShutdown("vm1", "pv", 5_000), expect: { kind: "sent" } },
  { name: "xl shutdown without the guest's ack is unconfirmed, not failed", tool: "xl", argv: ["shutdown", "vm1"], reply: { exitCode: 1, stderr: fixture("xl/errors/xl-shutdown-no-ack.txt") }, call: (ts) => ts.requestShutdown("vm1", "pv", 5_000), expect: { kind: "unconfirmed", detail: /shutdown failed \(rc=-9\)/ } },
  { name: "xl shutdown of an HVM guest without PV drivers asks for -F", tool: "xl", argv: ["shutdown", "vm1"], reply: { exitCode: 1, stderr: fixture("xl/errors/xl-shutdown-hvm-no-pv.txt") }, call: (ts) => ts.requestShutdown("vm1", "pv", 5_000), expect: { kind: "no-pv-control" } },
  { name: "xl shutdown -F falls back to ACPI", tool: "xl", argv: ["shutdown", "-F", "vm1"], reply: {}, call: (ts) => ts.requestShutdown("vm1", "pv-or-acpi", 5_000), expect: { kind: "sent" } },
  { name: "shutdown_acpi presses the virtual power button", tool: "xl", argv: ["trigger", "vm1", "power"], reply: {}, call: (ts) => ts.requestShutdown("vm1", "acpi-button", 5_000), expect: { kind: "sent" } },
  { name: "xm has no -F: xend hard-stops HVM guests itself", tool: "xm", argv: ["shutdown", "vm1"], reply: {}, call: (ts) => ts.requestShutdown("vm1", "pv-or-acpi", 5_000), expect: { kind: "sent" } },
  { name: "shutdown of a domain that is gone", tool: "xl", argv: ["shutdown", "vm1"], reply: { exitCode: 1, stderr: "vm1 is an invalid domain identifier (rc=-6)\n" }, call: (ts) => ts.requestShutdown("vm1", "pv", 5_000), expect: { kind: "absent" } },
  { name: "destroy", tool: "xl", argv: ["destroy", "vm1"], reply: {}, call: (ts) => ts.destroy("vm1"), expect: { kind: "destroyed" } },
  { name: "destroy of a domain that is gone", tool: "xm", argv: ["destroy", "vm1"], reply: { exitCode: 3, stderr: "Error: Domain 'vm1' does not exist.\n" }, call: (ts) => ts.destroy("vm1"), expect: { kind: "absent" } },
  { name: "a destroy that hangs is a failure to retry, not success", tool: "xl", argv: ["destroy", "vm1"], reply: { timedOut: true }, call: (ts) => ts.destroy("vm1"), expect: { kind: "failed", detail: /no answer/ } },
  { name: "xl mem-set says MiB explicitly", tool: "xl", argv: ["mem-set", "web", "768m"], reply: {}, call: (ts) => ts.setMemoryTarget("web", 768), expect: undefined },
  { name: "xl info", tool: "xl", argv: ["info"], reply: { stdout: fixture("xl/4.17/info.txt") }, call: (ts) => ts.hostInfo(), expect: { totalMemoryMiB: 4095, freeMemoryMiB: 2529 } },
  { name: "xl list -l", tool: "xl", argv: ["list", "-l"], reply: { stdout: fixture("xl/4.17/list-l.json") }, call: (ts) => ts.memoryBounds(), expect: [{ name: "vm1" }, { name: "web" }] },
  { name: "xm list -l", tool: "xm", argv: ["list", "-l"], reply: { stdout: fixture("xl/3.4-xm/list-l.sxp") }, call: (ts) => ts.memoryBounds(), expect: [{ name: "UbuntuPVS810", maxMemoryMiB: 4096 }, { domid: 11 }] },
];

for (const c of commands) {
  t.test(c.name, async (t) => {
    const { toolstack, runner } = make(c.tool, c.argv, c.reply);
    const result = await outcome(() => c.call(toolstack));
    if (c.expect === undefined) t.equal(result, undefined, "succeeds");
    else t.match(result, c.expect);
    t.same(runner.unexpected, [], "argv as expected");
  });
}

t.test("each toolstack knows the names it gives a migrating domain, and the domain behind each", async (t) => {
  const xl = make("xl", [], {}).toolstack;
  const xm = make("xm", [], {}).toolstack;
  t.same(xl.migrationNames("vm1"), [
    { role: "incoming", name: "vm1--incoming" },
    { role: "migrated-away", name: "vm1--migratedaway" },
  ]);
  t.same(xm.migrationNames("vm1"), [{ role: "migrating", name: "migrating-vm1" }]);
  t.same(["vm1--incoming", "vm1--migratedaway", "vm1", "--incoming", "migrating-vm1"].map(xl.ownName), ["vm1", "vm1", "vm1", "--incoming", "migrating-vm1"]);
  t.same(["migrating-vm1", "migrating-", "vm1--incoming"].map(xm.ownName), ["vm1", "migrating-", "vm1--incoming"]);
});

// Rows as xl_info.c prints them with -v: the table, then UUID, reason code and security label.
const VERBOSE =
  "Name                                        ID   Mem VCPUs\tState\tTime(s)   UUID                            Reason-Code\tSecurity Label\n" +
  "Domain-0                                     0  1024     2     r-----      12.0 00000000-0000-0000-0000-000000000000        -                -\n" +
  "vm1--incoming                                7   512     1     --p---       0.0 6f1e9e0a-3c2b-4d5e-8f70-0123456789ab        -                -\n";

t.test("xl lists UUIDs with list -v; xm cannot, and says so without a call", async (t) => {
  const xl = make("xl", ["list", "-v"], { stdout: VERBOSE });
  t.match(await xl.toolstack.listUuids(), [{ name: "Domain-0", domid: 0 }, { name: "vm1--incoming", domid: 7, uuid: "6f1e9e0a-3c2b-4d5e-8f70-0123456789ab" }]);
  t.same(xl.runner.unexpected, []);
  const garbled = make("xl", ["list", "-v"], { stdout: "Name ID\n" });
  t.match(await outcome(() => garbled.toolstack.listUuids()), { code: 1, reason: "xl list -v: unexpected output" });
  const xm = make("xm", [], {});
  t.match(await outcome(() => xm.toolstack.listUuids()), { code: 1, reason: /xm cannot list domains by UUID/ });
  t.same(xm.runner.calls, [], "no call");
});

t.test("dump-core gets exactly the timeout it is given, not the per-call cap", async (t) => {
  const { toolstack, runner } = make("xl", ["dump-core", "vm1", "/var/lib/xen/dump/x-vm1.core"], {});
  t.same(await toolstack.dumpCore("vm1", "/var/lib/xen/dump/x-vm1.core", 45_000), { kind: "saved" });
  t.equal(runner.calls[0]?.options.timeoutMs, 45_000);
  const failed = make("xm", ["dump-core", "vm1", "/d/vm1.core"], { exitCode: 1, stderr: "Error: nope\n" });
  t.match(await failed.toolstack.dumpCore("vm1", "/d/vm1.core", 1_000), { kind: "failed", detail: /exit 1/ });
});

t.test("migrate: xl names its transport and optional config, xm relocates through xend", async (t) => {
  const settings = { sshCommand: "ssh -o BatchMode=yes node2", config: "/etc/xen/vm1-new.cfg" };
  const cases = [
    { tool: "xl", settings, argv: ["migrate", "-s", settings.sshCommand, "-C", "/etc/xen/vm1-new.cfg", "vm1", "10.0.0.2"] },
    { tool: "xl", settings: { ...settings, config: undefined }, argv: ["migrate", "-s", settings.sshCommand, "vm1", "10.0.0.2"] },
    { tool: "xm", settings, argv: ["migrate", "--live", "vm1", "10.0.0.2"] },
  ] as const;
  for (const c of cases) {
    const runner = scriptedRunner([{ argv: [c.tool, ...c.argv], reply: {} }]);
    const commands = toolstackOn(LOCAL, { tool: c.tool, run: runner.run, env, callTimeoutMs: (cap) => cap }).migration;
    t.equal((await commands.migrate("vm1", "10.0.0.2", c.settings, 1_000)).exitCode, 0);
    t.same(runner.unexpected, [], `${c.tool}: ${c.argv.join(" ")}`);
  }
});

t.test("a word that xl or xm would read as an option never reaches them, whatever let it through", async (t) => {
  const { toolstack, runner } = make("xl", [], {});
  const calls: readonly (readonly [string, () => Promise<unknown>])[] = [
    ["lookup", () => toolstack.lookup("-h")],
    ["destroy", () => toolstack.destroy("--help")],
    ["create", () => toolstack.create("-v", "vm1")],
    ["dump-core", () => toolstack.dumpCore("vm1", "-x", 1_000)],
  ];
  for (const [label, call] of calls) t.match(await outcome(call), { code: 1, reason: /would be read as an option$/ }, label);
  const commands = toolstackOn(LOCAL, { tool: "xl", run: runner.run, env, callTimeoutMs: (cap) => cap }).migration;
  t.match(await outcome(() => commands.migrate("vm1", "-oProxyCommand=x", { sshCommand: "ssh", config: undefined }, 1_000)), { code: 1, reason: /'-oProxyCommand=x' would be read as an option$/ });
  t.match(await outcome(() => commands.rename("vm1--incoming", "-vm1")), { code: 1 });
  t.same(runner.calls, [], "no call at all");
});
