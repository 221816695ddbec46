import t from "tap";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../../lib/exec/command.ts";
import { callLog, listDomains } from "../../lib/sim/index.ts";
import { HOSTILE_VALUES, OPTIONS_XEN_HA_PASSES, XEN_DOMAIN_SHAPES, accepts, hostileCases, seededSample } from "../agents/xen-domain/hostile-values.ts";
import { exitReasons } from "../support/capture-io.ts";
import { installedStage } from "../support/installed-sim.ts";
import { withExactEnv } from "../support/outside-tap.ts";
import { pacemakerEnv } from "../support/run-agent-in-process.ts";
import { seededRandom } from "../support/seeded-random.ts";

/**
 * A seeded few of the hostile-input cases (test/agents/xen-domain/
 * hostile-params.test.ts runs them all in-process), through the installed
 * agent as the LRM runs it: a fresh process with exactly the environment
 * given. Here the bytes that are not UTF-8 are real bytes in the
 * environment (set by bash from printf escapes), not what Node made of them.
 * Values over 100 KiB stay in-process: the kernel refuses one argument of
 * more than 128 KiB (MAX_ARG_STRLEN) before any agent runs.
 */
const SEED = Number(process.env["HOSTILE_SEED"] ?? 20261203);
const CASES = 10;
const TIMEOUT_MS = 10_000;
const random = seededRandom(SEED);
t.comment(`seed ${SEED}`);

const stage = await installedStage("hostile");
t.teardown(stage.dispose);
const vm = stage.domainOn("xl-4.17", "vm1");
const rsctmp = join(stage.installed.base, "rsctmp");
mkdirSync(rsctmp, { recursive: true });
const base = {
  ...pacemakerEnv("vm1-rsc", { timeoutMs: TIMEOUT_MS }),
  ...vm.env,
  HA_RSCTMP: rsctmp,
  OCF_RESKEY_xmfile: vm.config,
  OCF_RESKEY_name: vm.name,
};

/** Runs the installed agent with `env`, and with one variable set by bash from printf escapes (raw bytes). */
async function agent(action: string, env: Record<string, string>, bytes?: { readonly param: string; readonly printf: string }) {
  const started = performance.now();
  const call = bytes
    ? withExactEnv(env, "bash", ["-c", 'export "OCF_RESKEY_$1=$(printf "$2")"; shift 2; exec "$@"', "bash", bytes.param, bytes.printf, stage.agent, action])
    : withExactEnv(env, stage.agent, [action]);
  const result = await runCommand(call.file, call.args, { timeoutMs: TIMEOUT_MS + 5_000 });
  return { code: result.exitCode, stderr: result.stderr, reason: exitReasons(result.stderr).at(-1), ms: performance.now() - started };
}

const runnable = hostileCases(XEN_DOMAIN_SHAPES, HOSTILE_VALUES, random)
  // an argv cannot hold a NUL, and Node cannot encode a lone surrogate
  .filter((c) => c.value.length < 100_000 && !c.value.includes("\u0000") && !/[\ud800-\udfff]/.test(c.value));
const picked = seededSample(runnable, CASES, random);

t.test("vm1 runs", async (t) => {
  t.equal((await agent("start", base)).code, 0);
});

const domains = () => listDomains(stage.simRoot, vm.host).map((d) => `${d.name}:${d.domid}`).sort().join(" ");

for (const { param, label, value } of picked) {
  t.test(`${param}=${label}`, async (t) => {
    const before = domains();
    const from = callLog(stage.simRoot, vm.host).length;
    for (const action of ["validate-all", "monitor"]) {
      const result = await agent(action, { ...base, OCF_RESKEY_CRM_meta_interval: "0", [`OCF_RESKEY_${param}`]: value });
      if (!accepts(param, value)) {
        t.equal(result.code, 6, `${action}: 6`);
        t.match(result.reason ?? "", `${param}: `, `${action}: the reason names ${param}`);
      } else if (result.code !== 0 && result.code !== 7) t.ok(result.reason, `${action}: ${result.code} with a reason`);
      t.notMatch(result.stderr, /^\s+at .+:\d+:\d+\)?$/m, `${action}: no stack trace`);
      t.ok(result.ms < TIMEOUT_MS, `${action}: answered in ${Math.round(result.ms)} ms`);
    }
    const options = callLog(stage.simRoot, vm.host)
      .slice(from)
      .flatMap((call) => call.argv.filter((arg) => arg.startsWith("-") && !OPTIONS_XEN_HA_PASSES.has(arg)));
    t.same(options, [], "no call carries an option xen-ha does not pass");
    t.equal(domains(), before, "nothing created or destroyed");
  });
}

t.test("bytes that are not UTF-8, for real: refused with a reason, nothing run", async (t) => {
  const from = callLog(stage.simRoot, vm.host).length;
  for (const [param, printf] of [["name", "vm\\3771"], ["xmfile", "/etc/xen/\\377.cfg"], ["peer_ssh_user", "r\\377t"]] as const) {
    // stop only where the value is refused: with a usable xmfile and the name set, stop would stop vm1
    for (const action of param === "xmfile" ? ["validate-all", "monitor"] : ["validate-all", "monitor", "stop"]) {
      const result = await agent(action, { ...base, OCF_RESKEY_CRM_meta_interval: "0" }, { param, printf });
      if (param === "xmfile") {
        // a path may hold any byte; this one names no file, and the name parameter is set
        t.ok(result.code === 5 || result.code === 0, `${param} ${action}: ${result.code}: ${result.reason ?? ""}`);
      } else {
        t.equal(result.code, 6, `${param} ${action}: 6`);
        t.match(result.reason ?? "", `${param}: `, `${param} ${action}: the reason names it`);
      }
      t.notMatch(result.stderr, /^\s+at .+:\d+:\d+\)?$/m, "no stack trace");
    }
  }
  const calls = callLog(stage.simRoot, vm.host).slice(from);
  t.ok(calls.every((call) => !call.argv.some((arg) => arg.includes("\ufffd") && arg.startsWith("-"))), "no call carries such bytes as an option");
  t.match(domains(), /^vm1:\d+$/, "vm1 still runs, alone");
});

t.test("paths that name no file of theirs, for real: a FIFO, a device, a directory; refused in time, nothing run", async (t) => {
  const odd = join(stage.installed.base, "odd");
  mkdirSync(odd, { recursive: true });
  const fifo = join(odd, "fifo");
  await runCommand("mkfifo", [fifo], { timeoutMs: 5_000 });
  const before = domains();
  const from = callLog(stage.simRoot, vm.host).length;
  const rows: readonly (readonly [string, string, RegExp])[] = [
    ["xmfile", fifo, /^xmfile \S+ is a fifo, not a regular file$/],
    ["xmfile", "/dev/zero", /^xmfile \/dev\/zero is a character special file, not a regular file$/],
    ["xmfile", odd, /^xmfile \S+ is a directory, not a regular file$/],
    ["save_dir", fifo, /^save_dir \S+ is not a directory on this host$/],
    ["lease_dir", "/dev/zero", /^lease_dir \/dev\/zero is not a directory on this host$/],
    ["monitor_scripts", fifo, /^monitor_scripts: '\S+' is not an executable file on this host$/],
    ["migration_config", "/dev/zero", /^migration_config \/dev\/zero is not a regular file$/],
  ];
  for (const [param, value, reason] of rows) {
    for (const action of ["validate-all", "start"]) {
      const result = await agent(action, { ...base, [`OCF_RESKEY_${param}`]: value });
      t.equal(result.code, 5, `${param}=${value} ${action}: 5`);
      t.match(result.reason ?? "", reason, `${param} ${action}: the reason says what it is`);
      t.notMatch(result.stderr, /^\s+at .+:\d+:\d+\)?$/m, "no stack trace");
      t.ok(result.ms < TIMEOUT_MS, `answered in ${Math.round(result.ms)} ms`);
    }
  }
  const changes = callLog(stage.simRoot, vm.host).slice(from).filter((call) => !["list"].includes(call.argv[0] ?? ""));
  t.same(changes.map((call) => call.argv.join(" ")), [], "nothing but listings ran");
  t.equal(domains(), before, "nothing created or destroyed");
});
