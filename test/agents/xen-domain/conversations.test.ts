import t from "tap";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture } from "../../support/fixtures.ts";
import { writeKernelFiles } from "../../../lib/sim/index.ts";
import { pacemakerEnv, runXenDomain } from "../../support/run-agent-in-process.ts";
import { scriptedRunner, type Step } from "../../support/scripted-runner.ts";

/**
 * XenDomain's exact conversations with the toolstack, one scripted CommandRunner
 * per case: which calls, in which order, with which argv. (The behaviour
 * against a running simulated host is in scenarios-*.test.ts.)
 */
const dir = mkdtempSync(join(tmpdir(), "xen-ha-conv-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(dir, "bin");
mkdirSync(bin);
for (const tool of ["xl", "xm"]) {
  writeFileSync(join(bin, tool), "#!/bin/sh\nexit 99\n"); // found by selection, never run: the runner answers
  chmodSync(join(bin, tool), 0o755);
}
const cfg = join(dir, "vm1.cfg");
writeFileSync(cfg, 'name = "vm1"\nmemory = 1024\nvcpus = 2\n');

const header = "Name                                        ID   Mem VCPUs\tState\tTime(s)\n";
const row = (state: string) => `${header}vm1                                          7  1024     2     ${state}      12.3\n`;
const absent = { exitCode: 1, stderr: "vm1 is an invalid domain identifier (rc=-6)\n" };
const dom0 = "Domain-0                                     0  2048     8     r-----    1234.5\n";
/** The first look of monitor, start and stop: one full listing shows the domain and the names a migration gives it. */
const listing = (...rows: string[]) => ({ argv: ["xl", "list"], reply: { stdout: `${header}${dom0}${rows.join("")}` } });
const vm1 = (state: string) => `vm1                                          7  1024     2     ${state}      12.3\n`;
/** Neither the domain nor NAME--incoming, NAME--migratedaway, migrating-NAME. */
const noLeftovers = listing();
const info = (free: number, commandline = "dom0_mem=2048M") =>
  fixture("xl/4.17/info.txt").replace(/free_memory {12}: \d+/, `free_memory            : ${free}`).replace(/xen_commandline .*/, `xen_commandline        : ${commandline}`);

interface Conversation {
  readonly name: string;
  readonly action: string;
  readonly env?: Record<string, string>;
  readonly steps: readonly Step[];
  readonly code: number;
  readonly reason?: RegExp;
}

const base = (extra: Record<string, string> = {}) => ({
  ...pacemakerEnv("vm1-rsc", { timeoutMs: 20_000 }),
  PATH: bin,
  // a dom0, whatever this machine is: a failing toolstack is then an error, never "stopped"
  XEN_HA_SYSROOT: writeKernelFiles(join(dir, "sysroot"), "dom0"),
  HA_RSCTMP: join(dir, `rsctmp-${Math.random().toString(36).slice(2)}`),
  OCF_RESKEY_xmfile: cfg,
  ...extra,
});

const conversations: readonly Conversation[] = [
  { name: "monitor of a running domain: one list call", action: "monitor", env: { OCF_RESKEY_CRM_meta_interval: "10000" }, steps: [listing(vm1("-b----"))], code: 0 },
  { name: "probe of an absent domain: one listing without the name or a migration's names, 7", action: "monitor", env: { OCF_RESKEY_CRM_meta_interval: "0" }, steps: [noLeftovers], code: 7 },
  { name: "probe of a listing without Domain-0 is an error, never 7", action: "monitor", env: { OCF_RESKEY_CRM_meta_interval: "0" }, steps: [{ argv: ["xl", "list"], reply: { stdout: header } }], code: 1, reason: /no Domain-0 row; not trusting that listing/ },
  { name: "probe of an incoming migration: not 7", action: "monitor", env: { OCF_RESKEY_CRM_meta_interval: "0" }, steps: [listing(vm1("--p---").replace("vm1          ", "vm1--incoming"))], code: 1, reason: /domain vm1 does not exist, but domain vm1--incoming \(id 7\) is paused/ },
  {
    name: "probe with a broken toolstack on a dom0: asked twice, an error, never 7",
    action: "monitor",
    env: { OCF_RESKEY_CRM_meta_interval: "0" },
    steps: [1, 2].map(() => ({ argv: ["xl", "list"], reply: { exitCode: 1, stderr: fixture("xl/errors/xl-no-hypervisor.txt") } })),
    code: 1,
    reason: /cannot init xl context/,
  },
  {
    name: "probe with the same toolstack answer on a node that did not boot Xen: 7",
    action: "monitor",
    env: { OCF_RESKEY_CRM_meta_interval: "0", XEN_HA_SYSROOT: writeKernelFiles(join(dir, "sysroot-no-xen"), "no-xen") },
    steps: [1, 2].map(() => ({ argv: ["xl", "list"], reply: { exitCode: 1, stderr: fixture("xl/errors/xl-no-hypervisor.txt") } })),
    code: 7,
  },
  { name: "probe with a hung toolstack is an error", action: "monitor", env: { OCF_RESKEY_CRM_meta_interval: "0" }, steps: [{ argv: ["xl", "list"], reply: { timedOut: true } }], code: 1, reason: /no answer within/ },
  { name: "monitor of a crashed domain says so", action: "monitor", steps: [listing(vm1("---sc-"))], code: 1, reason: /^domain vm1 \(id 7\) is crashed, state ---sc-$/ },
  {
    name: "start: memory asked beside the first look, create with the quoted name, wait until running",
    action: "start",
    steps: [
      { argv: ["xl", "info"], reply: { stdout: info(4000) } },
      noLeftovers,
      { argv: ["xl", "create", cfg, 'name="vm1"'], reply: { stderr: `Parsing config from ${cfg}\n` } },
      { argv: ["xl", "list", "vm1"], reply: { stdout: row("r-----") } },
    ],
    code: 0,
  },
  {
    name: "start without enough memory fails with the figures and creates nothing",
    action: "start",
    steps: [
      { argv: ["xl", "info"], reply: { stdout: info(900) } },
      noLeftovers,
    ],
    code: 1,
    reason: /^not enough memory: domain vm1 needs 1026 MiB, the host has 900 MiB free of 4095 MiB$/,
  },
  {
    name: "start: with allow_mem_management, other guests are ballooned by what is missing",
    action: "start",
    env: { OCF_RESKEY_allow_mem_management: "true" },
    steps: [
      { argv: ["xl", "info"], reply: { stdout: info(900) } },
      noLeftovers,
      { argv: ["xl", "list", "-l"], reply: { stdout: fixture("xl/4.17/list-l.json") } },
      { argv: ["xl", "list"], reply: { stdout: `${header}Domain-0                                     0  2048     8     r-----    1234.5\nweb                                          9  4096     2     -b----      12.3\n` } },
      { argv: ["xl", "mem-set", "web", "3970m"], reply: {} },
      { argv: ["xl", "info"], reply: { stdout: info(1030) } },
      { argv: ["xl", "create", cfg, 'name="vm1"'], reply: {} },
      { argv: ["xl", "list", "vm1"], reply: { stdout: row("-b----") } },
    ],
    code: 0,
  },
  {
    name: "start under autoballoon counts Domain-0's spare memory",
    action: "start",
    steps: [
      { argv: ["xl", "info"], reply: { stdout: info(100, "console=com1") } },
      noLeftovers,
      { argv: ["xl", "list"], reply: { stdout: `${header}Domain-0                                     0  3000     8     r-----    1234.5\n` } },
      { argv: ["xl", "create", cfg, 'name="vm1"'], reply: {} },
      { argv: ["xl", "list", "vm1"], reply: { stdout: row("-b----") } },
    ],
    code: 0,
  },
  {
    name: "start of a running domain creates nothing",
    action: "start",
    steps: [{ argv: ["xl", "info"], reply: { stdout: info(4000) } }, listing(vm1("-b----")), { argv: ["xl", "list", "vm1"], reply: { stdout: row("-b----") } }],
    code: 0,
  },
  {
    name: "start of a running domain: a failing xl info, asked ahead, is not its answer",
    action: "start",
    steps: [{ argv: ["xl", "info"], reply: { exitCode: 1, stderr: "libxl: error: libxl.c:1:x: cannot get physinfo\n" } }, listing(vm1("-b----")), { argv: ["xl", "list", "vm1"], reply: { stdout: row("-b----") } }],
    code: 0,
  },
  {
    name: "start of an absent domain fails on xl info's failure, creating nothing",
    action: "start",
    steps: [{ argv: ["xl", "info"], reply: { exitCode: 1, stderr: "libxl: error: libxl.c:1:x: cannot get physinfo\n" } }, noLeftovers],
    code: 1,
    reason: /^xl info: exit 1: cannot get physinfo$/,
  },
  {
    name: "start destroys a preserved crashed leftover first",
    action: "start",
    steps: [
      { argv: ["xl", "info"], reply: { stdout: info(900) } },
      listing(vm1("---sc-")),
      { argv: ["xl", "destroy", "vm1"], reply: {} },
      { argv: ["xl", "list", "vm1"], reply: absent },
      noLeftovers,
      // the host's memory changed with the destroy: the early answer (short) is not the one that counts
      { argv: ["xl", "info"], reply: { stdout: info(4000) } },
      { argv: ["xl", "create", cfg, 'name="vm1"'], reply: {} },
      { argv: ["xl", "list", "vm1"], reply: { stdout: row("-b----") } },
    ],
    code: 0,
  },
  {
    name: "xm: create passes the name unquoted",
    action: "start",
    env: { OCF_RESKEY_toolstack: "xm" },
    steps: [
      { argv: ["xm", "info"], reply: { stdout: fixture("xl/4.1-xm/info.txt").replace("free_memory            : 1047", "free_memory            : 1500") } },
      { argv: ["xm", "list"], reply: { stdout: fixture("xl/3.4-xm/list-states.txt") } },
      { argv: ["xm", "create", cfg, "name=vm1"], reply: { stdout: "Started domain vm1 (id=3)\n" } },
      { argv: ["xm", "list", "vm1"], reply: { stdout: fixture("xl/3.4-xm/list-vm16.txt").replace("vm16", "vm1 ") } },
    ],
    code: 0,
  },
  {
    name: "stop: shutdown request, poll, name gone, old domid gone",
    action: "stop",
    steps: [
      listing(vm1("-b----")),
      { argv: ["xl", "shutdown", "vm1"], reply: { stderr: "Shutting down domain 7\n" } },
      { argv: ["xl", "list", "vm1"], reply: absent },
      { argv: ["xl", "list", "7"], reply: { exitCode: 1, stderr: "Error: Domain '7' does not exist.\n" } },
      noLeftovers,
    ],
    code: 0,
  },
  {
    name: "stop with force_stop destroys at once, and accepts a dying zombie",
    action: "stop",
    env: { OCF_RESKEY_force_stop: "true" },
    steps: [
      listing(vm1("r-----")),
      { argv: ["xl", "destroy", "vm1"], reply: {} },
      { argv: ["xl", "list", "vm1"], reply: absent },
      { argv: ["xl", "list", "7"], reply: { stdout: `${header}(null)                                       7     0     1     --p--d       3.1\n` } },
      noLeftovers,
    ],
    code: 0,
  },
  { name: "stop of an absent domain: one listing without the name or a migration's names", action: "stop", steps: [noLeftovers], code: 0 },
  {
    name: "xm stop also looks for the migrating-NAME domain",
    action: "stop",
    env: { OCF_RESKEY_toolstack: "xm" },
    steps: [
      { argv: ["xm", "list"], reply: { stdout: fixture("xl/3.4-xm/list-states.txt") } },
    ],
    code: 0,
  },
  {
    name: "stop with a broken toolstack on a dom0 fails (never success on a guess)",
    action: "stop",
    steps: [1, 2].map(() => ({ argv: ["xl", "list"], reply: { exitCode: 1, stderr: fixture("xl/errors/xl-debian-wrapper.txt") } })),
    code: 1,
    reason: /Can't find hypervisor information/,
  },
];

for (const c of conversations) {
  t.test(c.name, async (t) => {
    const runner = scriptedRunner(c.steps);
    const result = await runXenDomain(c.action, base(c.env), { run: runner.run, sleep: async () => {} });
    t.equal(result.code, c.code, "exit code", { stderr: result.stderr });
    t.same(runner.unexpected, [], "no call off the script");
    t.same(runner.remaining(), [], "every expected call made");
    if (c.reason) t.match(result.reasons.at(-1), c.reason, "exit reason");
    else if (c.code === 0 || c.code === 7) t.same(result.reasons, [], "no exit reason");
  });
}
