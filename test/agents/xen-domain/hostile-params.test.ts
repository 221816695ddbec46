import t from "tap";
import { execFileSync } from "node:child_process";
import { mkdirSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentOutcome } from "../../support/run-agent-in-process.ts";
import { seededRandom } from "../../support/seeded-random.ts";
import { simResource, type SimResource } from "../../support/sim-resource.ts";
import { HOSTILE_VALUES, OPTIONS_XEN_HA_PASSES, XEN_DOMAIN_SHAPES, accepts, hostileCases, seededSample } from "./hostile-values.ts";

/**
 * Values nobody designed for, in every parameter XenDomain declares (the list
 * comes from the declaration, so a new parameter is attacked without editing
 * this file). For each parameter and value:
 * - a value the parameter refuses: validate-all, probe, start and stop each
 *   say 6, naming the parameter, with no toolstack call at all;
 * - a value it accepts: validate-all and a probe answer, against a running
 *   domain, with an exit reason unless the code is 0 or 7;
 * and always: the exit reason is one bounded line, stderr holds no stack
 * trace and not the raw value, no call carries an option the agent does not
 * pass itself, the host's domains are the same afterwards, and the answer
 * comes inside the operation's timeout.
 */
const SEED = Number(process.env["HOSTILE_SEED"] ?? 20261203);
const TIMEOUT_MS = 8_000;
/** Accepted values cost toolstack calls: a seeded sample of them runs, every parameter among them (every refused one runs: they are cheap). */
const ACCEPTED_SAMPLE = 40;

const random = seededRandom(SEED);
t.comment(`seed ${SEED} (HOSTILE_SEED=${SEED} replays this run)`);

const cases = hostileCases(XEN_DOMAIN_SHAPES, HOSTILE_VALUES, random);
const refused = cases.filter((c) => !accepts(c.param, c.value));
const acceptable = cases.filter((c) => accepts(c.param, c.value));
/** One accepted value of every parameter that accepts any, then seeded others up to the sample's size. */
const firstOfEach = [...new Set(acceptable.map((c) => c.param))].map((param) => seededSample(acceptable.filter((c) => c.param === param), 1, random)[0]!);
const accepted = [...firstOfEach, ...seededSample(acceptable.filter((c) => !firstOfEach.includes(c)), Math.max(0, ACCEPTED_SAMPLE - firstOfEach.length), random)];

const run = (r: SimResource, action: string, param: string, value: string, extra: Record<string, string> = {}) =>
  r.run(action, { ...extra, OCF_RESKEY_CRM_meta_timeout: String(TIMEOUT_MS), [`OCF_RESKEY_${param}`]: value });

/** What must hold of every answer, whatever the value; the broken promises, as sentences. */
function answerProblems(action: string, value: string, result: AgentOutcome): string[] {
  const reason = result.reasons.at(-1);
  return [
    result.code !== 0 && result.code !== 7 && !reason?.trim() ? `${action}: ${result.code} without an exit reason` : "",
    reason !== undefined && (reason.length > 512 || /[\u0000\r]/.test(reason)) ? `${action}: the reason is not one bounded line (${reason.length} chars)` : "",
    /^\s+at .+:\d+:\d+\)?$/m.test(result.stderr) ? `${action}: a stack trace on stderr` : "",
    /internal error/.test(result.stderr) ? `${action}: internal error` : "",
    (value.length > 200 || /[\u0000-\u001f]/.test(value)) && result.stderr.includes(value) ? `${action}: the raw value is echoed` : "",
    result.ms >= TIMEOUT_MS ? `${action}: answered after ${result.ms} ms` : "",
  ].filter((p) => p !== "");
}

const domainsOf = (r: SimResource) => r.domains().map((d) => `${d.name}:${d.domid}`).sort();

t.test(`xl: ${refused.length} refused values, each refused by every action before any call`, async (t) => {
  const r = simResource({ name: "vm1" });
  t.teardown(r.dispose);
  for (const { param, value, label } of refused) {
    const problems: string[] = [];
    for (const action of ["validate-all", "monitor", "start", "stop"]) {
      const result = await run(r, action, param, value);
      if (result.code !== 6) problems.push(`${action}: ${result.code}, not 6`);
      if (!(result.reasons.at(-1) ?? "").includes(`${param}: `)) problems.push(`${action}: the reason does not name ${param}: ${result.reasons.at(-1)?.slice(0, 100)}`);
      problems.push(...answerProblems(action, value, result));
    }
    t.same(problems, [], `${param}=${label}: 6, naming it, from every action`);
  }
  t.equal(r.calls().length, 0, "no toolstack call at all");
  t.same(r.domains(), [], "nothing created");
});

t.test(`xl: ${accepted.length} accepted values (seeded sample), against a running domain`, async (t) => {
  const r = simResource({ name: "vm1" });
  t.teardown(r.dispose);
  t.equal((await r.run("start")).code, 0, "vm1 runs");
  const before = domainsOf(r);
  for (const { param, value, label } of accepted) {
    const from = r.calls().length;
    const problems: string[] = [];
    const codes: number[] = [];
    for (const [action, extra] of [["validate-all", {}], ["monitor", { OCF_RESKEY_CRM_meta_interval: "0" }]] as const) {
      const result = await run(r, action, param, value, extra);
      codes.push(result.code);
      problems.push(...answerProblems(action, value, result));
    }
    const smuggled = r
      .calls()
      .slice(from)
      .flatMap((call) => call.argv.filter((arg) => arg.startsWith("-") && !OPTIONS_XEN_HA_PASSES.has(arg)).map((arg) => `${call.tool} got ${JSON.stringify(arg.slice(0, 40))}`));
    problems.push(...smuggled);
    if (domainsOf(r).join() !== before.join()) problems.push(`domains changed: ${domainsOf(r).join(" ")}`);
    t.same(problems, [], `${param}=${label}: validate-all ${codes[0]}, probe ${codes[1]}`);
  }
});

/**
 * Files that are not what a path parameter names: a FIFO (it stands for an
 * NFS export whose server is gone: an open(2) of it waits for ever), a
 * device, a directory, a file of more than 1 MB. Every parameter that takes a
 * path (and monitor_scripts, whose words are programs), each kind in turn,
 * against a running domain: validate-all, a probe and a start (of a domain
 * that runs: it must create nothing). The documented answers are pinned
 * where the agent reads or checks the path itself; every answer keeps the
 * promises above. The directory is what save_dir and lease_dir should be.
 */
const FILE_KINDS = ["a FIFO", "a device", "a directory", "2 MiB"] as const;
type FileKind = (typeof FILE_KINDS)[number];
const FILE_PARAMS = [...XEN_DOMAIN_SHAPES.filter((p) => p.path).map((p) => p.name), "monitor_scripts"];
const notRegular = (param: string, kind: FileKind) =>
  kind === "2 MiB" ? { code: 0 } : { code: 5, reason: new RegExp(`^${param} \\S+ is not a regular file$`) };
const notDirectory = (param: string) => ({ code: 5, reason: new RegExp(`^${param} \\S+ is not a directory on this host$`) });
/** What validate-all says, where the agent itself looks at the path (others may say 0: ssh or xl reads them later, bounded). */
const VALIDATE: Readonly<Record<string, (kind: FileKind) => { readonly code: number; readonly reason?: RegExp }>> = {
  xmfile: (kind) => ({
    code: 5,
    reason: { "a FIFO": /is a fifo, not a regular file$/, "a device": /is a character special file, not a regular file$/, "a directory": /is a directory, not a regular file$/, "2 MiB": /is 2097152 bytes, more than the 1048576 bytes/ }[kind],
  }),
  save_dir: (kind) => (kind === "a directory" ? { code: 0 } : notDirectory("save_dir")),
  lease_dir: (kind) => (kind === "a directory" ? { code: 0 } : notDirectory("lease_dir")),
  monitor_scripts: () => ({ code: 5, reason: /^monitor_scripts: '\S+' is not an executable file on this host$/ }),
  // files ssh or the config reader open later: a regular file, checked by stat(2) alone
  migration_ssh_identity: (kind) => notRegular("migration_ssh_identity", kind),
  peer_identity_file: (kind) => notRegular("peer_identity_file", kind),
  migration_config: (kind) =>
    kind === "2 MiB" ? { code: 5, reason: /^migration_config \S+ is 2097152 bytes, more than the 1048576 bytes such a file may have$/ } : notRegular("migration_config", kind),
};

t.test(`xl: ${FILE_PARAMS.length} path parameters x ${FILE_KINDS.length} kinds of file that are not what they name`, async (t) => {
  const r = simResource({ name: "vm1" });
  t.teardown(r.dispose);
  const dir = join(r.root, "odd");
  mkdirSync(dir);
  const files: Record<FileKind, string> = { "a FIFO": join(dir, "fifo"), "a device": "/dev/zero", "a directory": join(dir, "directory"), "2 MiB": join(dir, "huge") };
  execFileSync("mkfifo", [files["a FIFO"]]);
  mkdirSync(files["a directory"]);
  writeFileSync(files["2 MiB"], 'name = "vm1"\n');
  truncateSync(files["2 MiB"], 2 << 20);
  t.equal((await r.run("start")).code, 0, "vm1 runs");
  const before = domainsOf(r);
  for (const param of FILE_PARAMS) {
    for (const kind of FILE_KINDS) {
      const value = files[kind];
      const from = r.calls().length;
      const problems: string[] = [];
      const codes: number[] = [];
      for (const [action, extra] of [["validate-all", {}], ["monitor", { OCF_RESKEY_CRM_meta_interval: "0" }], ["start", {}]] as const) {
        const result = await run(r, action, param, value, extra);
        codes.push(result.code);
        problems.push(...answerProblems(action, value, result));
        const expected = action === "validate-all" || action === "start" ? VALIDATE[param]?.(kind) : undefined;
        if (expected && result.code !== expected.code) problems.push(`${action}: ${result.code}, not ${expected.code} (${result.reasons.at(-1) ?? ""})`);
        if (expected?.reason && !expected.reason.test(result.reasons.at(-1) ?? "")) problems.push(`${action}: reason ${JSON.stringify(result.reasons.at(-1))}`);
      }
      const smuggled = r
        .calls()
        .slice(from)
        .flatMap((call) => call.argv.filter((arg) => arg.startsWith("-") && !OPTIONS_XEN_HA_PASSES.has(arg)).map((arg) => `${call.tool} got ${arg}`));
      problems.push(...smuggled);
      if (domainsOf(r).join() !== before.join()) problems.push(`domains changed: ${domainsOf(r).join(" ")}`);
      t.same(problems, [], `${param}=${kind}: validate-all ${codes[0]}, probe ${codes[1]}, start ${codes[2]}`);
    }
  }
});
