import t from "tap";
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import type { XenHostOverrides } from "../../../agents/xen-host/main.ts";
import { runCommand } from "../../../lib/exec/command.ts";
import { setHostKnobs, type PersonaId } from "../../../lib/sim/index.ts";
import type { Env } from "../../support/run-agent-in-process.ts";
import { HEALTHY_DOM0, oneNodeCib, writeKernelScene, xenHostStage, type KernelScene, type XenHostStage } from "../../support/xen-host-stage.ts";

/**
 * XenHost's checks, one scene each: what `start` and then `monitor` return,
 * the node attributes the real crm_attribute left in the CIB file (read back
 * with cibadmin), and the exit reason. Every scenario runs on a simulated
 * dom0 whose /proc and /sys are a directory of the test's (XEN_HA_SYSROOT).
 */
interface Scenario {
  readonly name: string;
  readonly persona?: PersonaId;
  /** Parameters by their short name (OCF_RESKEY_ is added). */
  readonly params?: (s: XenHostStage, peers: Peers) => Readonly<Record<string, string>>;
  readonly scene?: (s: XenHostStage) => unknown;
  readonly overrides?: XenHostOverrides;
  readonly code?: number;
  readonly health: "green" | "yellow" | "red";
  /** The last exit reason must match; green must print none. */
  readonly reason?: RegExp;
  /** Whether xen-free-memory-mib and xen-toolstack-latency-ms are present (the toolstack answered). */
  readonly figures?: boolean;
  /** xen-reserve-headroom-mib: free memory less the reserve, or none (no reserve set, or not known). */
  readonly headroom: number | "none";
  /** monitor must answer within this many ms. */
  readonly withinMs?: number;
  /** The scene itself put something at the probe file's place. */
  readonly probeFileStays?: boolean;
}

interface Peers {
  /** An address:port pair where the test listens. */
  readonly open: { readonly address: string; readonly port: number };
  /** A port on 127.0.0.1 where nobody listens. */
  readonly closedPort: number;
}

const kernel = (change: Partial<KernelScene>) => (s: XenHostStage) => writeKernelScene(s.sysroot, { ...HEALTHY_DOM0, ...change });
const without = (comm: string) => Object.fromEntries(Object.entries(HEALTHY_DOM0.processes).filter(([, c]) => c !== comm));

/**
 * The stage's simulated host has 16 GiB, 2 GiB of them dom0's, and no
 * domains: xl info says 14336 MiB free (checked against xl info in each row),
 * so a memory_reserve of 1024 leaves a headroom of 13312.
 */
const FREE_MIB = 14_336;

const scenarios: readonly Scenario[] = [
  { name: "a healthy host with every check off but the defaults", health: "green", headroom: "none" },
  {
    name: "a healthy host with every check on",
    params: (s, p) => ({
      memory_reserve: "1024",
      bridges: "xenbr0, eth0",
      migration_peers: p.open.address,
      migration_port: String(p.open.port),
      data_pool_paths: s.pool,
    }),
    health: "green",
    headroom: 13_312,
  },
  { name: "xm toolstack", persona: "xm", params: () => ({ memory_reserve: "336" }), health: "green", headroom: 14_000 },
  {
    name: "hung toolstack (the simulator's hang knob on info)",
    scene: (s) => setHostKnobs(s.root, "node1", { hang: ["info"] }),
    params: () => ({ toolstack_timeout: "1", memory_reserve: "1024" }),
    health: "red",
    reason: /red: toolstack: xl info: no answer within \d+ ms, killed/,
    figures: false,
    headroom: "none",
    withinMs: 5_000,
  },
  {
    name: "failing toolstack",
    scene: (s) => setHostKnobs(s.root, "node1", { fail: { info: 5 } }),
    health: "red",
    reason: /red: toolstack: xl info: exit 1.*getting domain info list/,
    figures: false,
    headroom: "none",
  },
  { name: "no toolstack installed", persona: "none", health: "red", reason: /red: toolstack: xl or xm not found on PATH/, figures: false, headroom: "none" },
  {
    name: "slow toolstack",
    scene: (s) => setHostKnobs(s.root, "node1", { slowMs: { info: 30_000 } }), // 1.5 s at the test time factor
    params: () => ({ toolstack_latency_yellow: "1000" }),
    health: "yellow",
    reason: /yellow: toolstack: xl info took \d+ ms \(more than 1000 ms\)/,
    headroom: "none",
  },
  { name: "xenstored missing", scene: kernel({ processes: without("xenstored") }), health: "red", reason: /red: xenstored: no xenstored or oxenstored process in dom0/, headroom: "none" },
  { name: "oxenstored counts as xenstored", scene: kernel({ processes: { ...without("xenstored"), 700: "oxenstored" } }), health: "green", headroom: "none" },
  { name: "xenconsoled missing", scene: kernel({ processes: without("xenconsoled") }), health: "yellow", reason: /yellow: xenconsoled: no xenconsoled process/, headroom: "none" },
  { name: "daemon check off (xenstore stub domain)", scene: kernel({ processes: { 1: "systemd" } }), params: () => ({ check_daemons: "false" }), health: "green", headroom: "none" },
  {
    name: "memory short of the reserve",
    params: () => ({ memory_reserve: "1000000" }),
    health: "red",
    reason: /red: memory: Xen has \d+ MiB free, less than the 1000000 MiB reserve/,
    headroom: -985_664,
  },
  {
    name: "missing bridge (the memory figures stand: another check's fault does not make them unknown)",
    params: () => ({ bridges: "xenbr0 xenbr9", memory_reserve: "1024" }),
    health: "red",
    reason: /red: bridge xenbr9: no such interface/,
    headroom: 13_312,
  },
  { name: "bridge down", scene: kernel({ interfaces: { xenbr0: "down" } }), params: () => ({ bridges: "xenbr0" }), health: "red", reason: /red: bridge xenbr0: link down/, headroom: "none" },
  { name: "bridge state unknown", scene: kernel({ interfaces: { xenbr0: "unknown" } }), params: () => ({ bridges: "xenbr0" }), health: "yellow", reason: /yellow: bridge xenbr0: link state unknown/, headroom: "none" },
  {
    name: "no migration peer answers",
    params: (_, p) => ({ migration_peers: "127.0.0.1", migration_port: String(p.closedPort) }),
    health: "red",
    reason: /red: migration network: no connection to 127\.0\.0\.1:\d+ ECONNREFUSED/,
    headroom: "none",
  },
  {
    name: "one of two migration peers answers",
    params: (_, p) => ({ migration_peers: `${p.open.address} ::1`, migration_port: String(p.open.port) }),
    health: "yellow",
    reason: /yellow: migration network: no connection to \[::1\]:\d+ /,
    headroom: "none",
  },
  { name: "data pool path missing", params: (s) => ({ data_pool_paths: join(s.pool, "gone") }), health: "red", reason: /red: data pool .*\/gone: .*dd .*No such file or directory/, headroom: "none" },
  {
    name: "hung data pool (the probe file is a FIFO nobody reads: dd's open blocks)",
    scene: (s) => execFileSync("mkfifo", [join(s.pool, ".xen-ha-probe.node1")]),
    params: (s) => ({ data_pool_paths: s.pool, data_pool_timeout: "1", memory_reserve: "2048" }),
    health: "red",
    reason: /red: data pool .*: no answer within \d+ ms \(dd killed\)/,
    withinMs: 5_000,
    probeFileStays: true,
    headroom: 12_288,
  },
  {
    name: "hung data pool (a probe that sleeps)",
    params: (s) => ({ data_pool_paths: s.pool, data_pool_timeout: "1" }),
    overrides: { poolProbe: () => [["/bin/sleep", "30"]] },
    health: "red",
    reason: /red: data pool .*: no answer within \d+ ms \(sleep killed\)/,
    withinMs: 5_000,
    headroom: "none",
  },
  {
    name: "everything hangs at once under a 5 s op timeout: the agent still answers in time, red, published",
    scene: (s) => {
      setHostKnobs(s.root, "node1", { hang: ["info"] });
      execFileSync("mkfifo", [join(s.pool, ".xen-ha-probe.node1")]);
    },
    params: (s) => ({ CRM_meta_timeout: "5000", toolstack_timeout: "300", data_pool_paths: s.pool, data_pool_timeout: "300", memory_reserve: "1024" }),
    health: "red",
    reason: /red: toolstack: xl info: no answer .*; red: data pool .*: no answer within/,
    figures: false,
    headroom: "none",
    withinMs: 5_000,
    probeFileStays: true,
  },
  { name: "dom0 memory low", scene: kernel({ memAvailableKiB: 200 * 1024 }), health: "yellow", reason: /yellow: dom0 memory: 200 MiB available, less than 256 MiB/, headroom: "none" },
  { name: "dom0 memory exhausted", scene: kernel({ memAvailableKiB: 20 * 1024 }), health: "red", reason: /red: dom0 memory: 20 MiB available, less than 64 MiB/, headroom: "none" },
  { name: "dom0 loaded", scene: kernel({ loadavg: "5.00 5.00 5.00 3/200 99", cpus: 2 }), health: "yellow", reason: /yellow: dom0 load: 5-minute load 5 on 2 CPU\(s\) \(250%\)/, headroom: "none" },
  { name: "dom0 overloaded", scene: kernel({ loadavg: "1.00 9.00 1.00 3/200 99", cpus: 2 }), health: "red", reason: /red: dom0 load: .* \(450%\), more than 400%/, headroom: "none" },
  { name: "thresholds are parameters", scene: kernel({ loadavg: "1.00 5.00 1.00 3/200 99", cpus: 2 }), params: () => ({ load_yellow: "300" }), health: "green", headroom: "none" },
  {
    name: "two causes at once: red first, then yellow",
    scene: kernel({ processes: without("xenconsoled"), memAvailableKiB: 10 * 1024 }),
    health: "red",
    reason: /^red: dom0 memory: .*; yellow: xenconsoled: /,
    headroom: "none",
  },
];

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
}

const server = createServer((socket) => socket.end());
const openPort = await listen(server);
const closer = createServer();
const closedPort = await listen(closer);
await new Promise((resolve) => closer.close(resolve));
t.teardown(() => server.close());
const peers: Peers = { open: { address: "127.0.0.1", port: openPort }, closedPort };

const toEnv = (params: Readonly<Record<string, string>>): Env => Object.fromEntries(Object.entries(params).map(([k, v]) => [`OCF_RESKEY_${k}`, v]));

/** free_memory as the simulated toolstack prints it: the oracle for xen-free-memory-mib. */
async function freeMemory(s: XenHostStage, tool: string): Promise<string> {
  const info = await runCommand(tool, ["info"], { timeoutMs: 20_000, env: s.env });
  return /^free_memory\s*: (\d+)$/m.exec(info.stdout)?.[1] ?? "none";
}

for (const scenario of scenarios) {
  t.test(scenario.name, async (t) => {
    const s = xenHostStage({ persona: scenario.persona ?? "xl-4.17" });
    t.teardown(s.dispose);
    await scenario.scene?.(s);
    const env = toEnv(scenario.params?.(s, peers) ?? {});
    for (const action of ["start", "monitor"]) {
      const result = await s.run(action, env, scenario.overrides);
      t.equal(result.code, scenario.code ?? 0, `${action} → ${scenario.code ?? 0}`, { stderr: result.stderr });
      if (scenario.reason) t.match(result.reasons.at(-1) ?? "", scenario.reason, `${action}: exit reason`);
      else t.same(result.reasons, [], `${action}: no exit reason`);
      if (scenario.health === "red") t.match(result.stderr, /ERROR: host is red: /, `${action}: logged as an error`);
      if (action === "monitor" && scenario.withinMs) t.ok(result.ms < scenario.withinMs, `monitor answered in ${result.ms} ms (< ${scenario.withinMs})`);
    }
    const attributes = await s.attributes();
    t.equal(attributes["#health-xen"], scenario.health, `#health-xen=${scenario.health}`);
    if (scenario.figures === false) {
      t.notOk("xen-free-memory-mib" in attributes, "no free-memory figure (not known)");
      t.notOk("xen-toolstack-latency-ms" in attributes, "no latency figure");
    } else {
      t.equal(await freeMemory(s, scenario.persona === "xm" ? "xm" : "xl"), String(FREE_MIB), "the simulated host has the free memory the table assumes");
      t.equal(attributes["xen-free-memory-mib"], String(FREE_MIB), "xen-free-memory-mib is xl info's free_memory");
      t.match(attributes["xen-toolstack-latency-ms"] ?? "", /^\d+$/, "xen-toolstack-latency-ms is a number");
    }
    if (scenario.headroom === "none") t.notOk("xen-reserve-headroom-mib" in attributes, "no xen-reserve-headroom-mib");
    else t.equal(attributes["xen-reserve-headroom-mib"], String(scenario.headroom), `xen-reserve-headroom-mib=${scenario.headroom}`);
    if (!scenario.probeFileStays) t.notOk(existsSync(join(s.pool, ".xen-ha-probe.node1")), "no probe file left in the pool");
  });
}

t.test("stop deletes the attributes; start and stop are idempotent; monitor is 7 when stopped", async (t) => {
  const s = xenHostStage();
  t.teardown(s.dispose);
  t.equal((await s.run("monitor")).code, 7, "monitor before start → 7");
  t.same(await s.attributes(), {}, "nothing published before start");
  const reserve = { OCF_RESKEY_memory_reserve: "1024" };
  t.equal((await s.run("start", reserve)).code, 0);
  t.equal((await s.run("start", reserve)).code, 0, "start again → 0");
  t.same(Object.keys(await s.attributes()).sort(), ["#health-xen", "xen-free-memory-mib", "xen-reserve-headroom-mib", "xen-toolstack-latency-ms"]);
  t.equal((await s.run("stop", reserve)).code, 0);
  t.same(await s.attributes(), {}, "stop deleted every attribute");
  t.equal((await s.run("stop")).code, 0, "stop again → 0");
  t.equal((await s.run("monitor")).code, 7, "monitor after stop → 7");
});

t.test("attributes that cannot be written: monitor fails (1), stop still stops", async (t) => {
  const s = xenHostStage();
  t.teardown(s.dispose);
  t.equal((await s.run("start")).code, 0);
  writeFileSync(s.cibFile, oneNodeCib("some-other-node")); // crm_attribute: no such node
  const monitor = await s.run("monitor");
  t.equal(monitor.code, 1, "monitor → 1");
  t.match(monitor.reasons.at(-1) ?? "", /cannot set node attribute #health-xen: crm_attribute .*exit/);
  const stop = await s.run("stop");
  t.equal(stop.code, 0, "stop → 0: a stale attribute is no reason to fence the node");
  t.match(stop.reasons.at(-1) ?? "", /stopped, but the node attributes remain: cannot delete node attribute/);
  t.equal((await s.run("monitor")).code, 7, "and it is stopped");
});

t.test("crm_attribute missing: start is 5 (not installed) and leaves it stopped", async (t) => {
  const s = xenHostStage();
  t.teardown(s.dispose);
  const bare = { PATH: s.env["PATH"]!.split(":").filter((d) => !existsSync(join(d, "crm_attribute"))).join(":") };
  const start = await s.run("start", bare);
  t.equal(start.code, 5);
  t.match(start.reasons.at(-1) ?? "", /crm_attribute not found on PATH/);
  t.equal((await s.run("monitor", bare)).code, 7);
});

t.test("parameters nobody meant: 6 with the reason, nothing published", async (t) => {
  const s = xenHostStage();
  t.teardown(s.dispose);
  const cases: [Record<string, string>, RegExp][] = [
    [{ bridges: "-x" }, /bridges: '-x' is not a network interface name/],
    [{ bridges: "xenbr0,,xenbr1" }, /bridges: .* has an empty bridge/],
    [{ bridges: "a-very-long-bridge-name" }, /is not a network interface name/],
    [{ bridges: "../etc" }, /'\.\.\/etc' is not a network interface name/],
    [{ migration_peers: "node2" }, /migration_peers: 'node2' is not an IPv4 or IPv6 address/],
    [{ migration_peers: "-oProxyCommand=x" }, /is not an IPv4 or IPv6 address/],
    [{ data_pool_paths: "pool" }, /data_pool_paths: 'pool' is not an absolute path/],
    [{ data_pool_paths: "/pool\u0000/x" }, /holds a control character/],
    [{ data_pool_paths: "/a /a" }, /'\/a' is listed twice/],
    [{ memory_reserve: "-1" }, /memory_reserve: '-1' is out of range/],
    [{ migration_port: "70000" }, /migration_port: '70000' is out of range/],
    [{ toolstack_timeout: "0" }, /toolstack_timeout: '0' is out of range/],
    [{ attribute_refresh: "0" }, /attribute_refresh: '0' is out of range/],
    [{ attribute_refresh: "-1" }, /attribute_refresh: '-1' is out of range/],
    [{ attribute_refresh: "1e3" }, /attribute_refresh: '1e3' /],
    [{ check_daemons: "True " }, /check_daemons: .* is not a boolean/],
    [{ toolstack: "XL" }, /toolstack: 'XL' is not one of auto, xl, xm/],
  ];
  for (const [params, reason] of cases) {
    for (const action of ["validate-all", "start", "monitor"]) {
      const result = await s.run(action, toEnv(params));
      t.equal(result.code, 6, `${JSON.stringify(params)}: ${action} → 6`);
      t.match(result.reasons.at(-1) ?? "", reason, `${action}: reason`);
    }
  }
  t.same(await s.attributes(), {}, "nothing published");
});
