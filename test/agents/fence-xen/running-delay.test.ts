import t from "tap";
import { endLeftoverTools, runCommand, type CommandRunner } from "../../../lib/exec/command.ts";
import { listDomains, stopGuest, writeSampleConfig } from "../../../lib/sim/index.ts";
import { fenceXenMain } from "../../../agents/fence-xen/main.ts";
import { realFenceXenDeps, xenDevice } from "../../../agents/fence-xen/device.ts";
import { decodeRunningDelays } from "../../../agents/fence-xen/running-delay.ts";
import { fenceXenParams, plugProblem } from "../../../agents/fence-xen/params.ts";
import { decodeValues } from "../../../lib/ocf/params.ts";
import { createLogger } from "../../../lib/ocf/logger.ts";
import type { Deadline } from "../../../lib/ocf/deadline.ts";
import { captureIo } from "../../support/capture-io.ts";
import { seededRandom } from "../../support/seeded-random.ts";
import { domainsOn, fence, fenceLab, labOptions, startDomain, xl, type FenceLab } from "./support.ts";

/**
 * delay_if_running (agents/fence-xen/running-delay.ts): a fence waits only
 * when it finds its target running, so that of two guests fencing each other
 * at once exactly one survives, while a crashed or vanished guest is fenced
 * at once. The steps are read from what fence_xen did (its log, the commands
 * it ran, the sleeps it asked for), never from how long it took.
 */

/** What one fence_xen run did, in order: "sleep 1000", "list dom0a", "destroy vm1 on dom0a". */
function recorder() {
  const steps: string[] = [];
  const run: CommandRunner = (file, args, options) => {
    const words = file === "ssh" ? args.slice(args.findIndex((a) => a === "xl" || a === "xm")) : [file, ...args];
    const host = file === "ssh" ? (args.find((a, i) => i > 0 && (args[i + 1] === "xl" || args[i + 1] === "xm")) ?? "?") : "local";
    if (words[1] === "list") steps.push(`list ${host}`);
    if (words[1] === "destroy") steps.push(`destroy ${words[2]} on ${host}`);
    return runCommand(file, args, options);
  };
  return { steps, deps: { run, sleep: async (ms: number) => void steps.push(`sleep ${ms}`) } };
}

t.test("delay_if_running: hostile values are refused, with the parameter named, and nothing is destroyed", async (t) => {
  const lab = fenceLab(t, ["dom0a"]);
  await startDomain(lab, "dom0a", "vm1");
  const rows: readonly { value: string; why: RegExp }[] = [
    { value: "-1", why: /'-1' is not a whole number of seconds/ },
    { value: "vm1:-1", why: /'vm1:-1': '-1' is not a whole number of seconds/ },
    { value: "1.5", why: /'1.5' is not a whole number/ },
    { value: "vm1:1s", why: /'1s' is not a whole number of seconds \(write 1, not 1s/ },
    { value: "vm1:3601", why: /out of range \(0 to 3600 seconds\)/ },
    { value: "vm1:99999999999999999999999", why: /out of range/ },
    { value: "9".repeat(400), why: /out of range/ },
    { value: "vm1:1\u0000", why: /holds a control character/ },
    { value: "vm1\u0000:1", why: /holds a control character/ },
    { value: "vm1: 1", why: /'vm1:' is not|no seconds given|is not PLUG:SECONDS/ },
    { value: "vm1 :1", why: /is not PLUG:SECONDS/ },
    { value: "-vm1:1", why: /begins with '-'/ },
    { value: "--vm1:1", why: /begins with '-'/ },
    { value: ":1", why: /a domain name cannot be empty/ },
    { value: "vm1:", why: /no seconds given/ },
    { value: "vm1", why: /'vm1' is not PLUG:SECONDS/ },
    { value: "vm1:1;;vm2:1", why: /has an empty entry/ },
    { value: ";vm1:1", why: /has an empty entry/ },
    { value: "vm1:1;vm1:2", why: /'vm1' is listed twice/ },
    { value: "vm1:1;VM1:1", why: /'vm1' and 'VM1' differ only in case/ },
    { value: "Domain-0:1", why: /the control domain/ },
    { value: "vm 1:1", why: /is not PLUG:SECONDS/ },
    { value: "vm1=1", why: /is not PLUG:SECONDS/ },
    { value: "'vm1':1", why: /not a usable Xen domain name/ },
    { value: "vm\uff11:1", why: /not a usable Xen domain name/ },
    { value: "12:1", why: /all digits/ },
  ];
  for (const row of rows) {
    const run = await fence(lab, { ...labOptions(lab), action: "off", port: "vm1", delay_if_running: row.value });
    t.equal(run.code, 1, `${JSON.stringify(row.value)}: exit 1`);
    t.match(run.stderr, /ERROR: Failed: delay_if_running: /, `${JSON.stringify(row.value)}: fencing.py's failure line names the parameter`);
    t.match(run.stderr, row.why, `${JSON.stringify(row.value)}: says why`);
    t.same(domainsOn(lab, "dom0a"), ["vm1"], `${JSON.stringify(row.value)}: vm1 still runs`);
  }
  const check = await fence(lab, { ...labOptions(lab), action: "validate-all", delay_if_running: "vm1:1;-x:2" });
  t.equal(check.code, 1, "validate-all refuses it too");
});

t.test("delay_if_running: accepted spellings and what each plug waits", async (t) => {
  const uuid = "5f1c3e4a-9b2d-4c6e-8f10-1a2b3c4d5e6f";
  const rows: readonly { value: string; plugs: Record<string, number>; max: number }[] = [
    { value: "1", plugs: { guest1: 1, guest2: 1 }, max: 1 },
    { value: " 0 ", plugs: { guest1: 0 }, max: 0 },
    { value: "guest1:1", plugs: { guest1: 1, guest2: 0, Guest1: 0, "guest1 ": 0 }, max: 1 },
    { value: "guest1:2;guest2:0", plugs: { guest1: 2, guest2: 0 }, max: 2 },
    { value: "guest1:2, guest2:3 vm3:4", plugs: { guest1: 2, guest2: 3, vm3: 4 }, max: 4 },
    // a Xen name may hold ':': the seconds are after the last one
    { value: "web:a:5", plugs: { "web:a": 5, web: 0 }, max: 5 },
    { value: `${uuid.toUpperCase()}:7`, plugs: { [uuid]: 7 }, max: 7 },
    { value: "guest1:3600", plugs: { guest1: 3600 }, max: 3600 },
  ];
  for (const row of rows) {
    const decoded = decodeRunningDelays(row.value, plugProblem);
    if (!decoded.ok) {
      t.fail(`${row.value}: refused (${decoded.problem})`);
      continue;
    }
    for (const [plug, seconds] of Object.entries(row.plugs)) t.equal(decoded.value.secondsFor(plug), seconds, `${row.value}: ${plug} waits ${seconds} s`);
    t.equal(decoded.value.maxSeconds, row.max, `${row.value}: the budget holds ${row.max} s`);
  }
  const cased = decodeRunningDelays("Guest1:1", plugProblem);
  t.same(cased.ok && cased.value.caseVariantsOf("guest1"), ["Guest1"], "a case variant of the plug is found, for the warning");
});

t.test("a running target waits, is looked at again, then destroyed", async (t) => {
  const lab = fenceLab(t, ["dom0a", "dom0b"]);
  await startDomain(lab, "dom0a", "vm1");
  await startDomain(lab, "dom0b", "vm2");
  const { steps, deps } = recorder();
  const run = await fence(lab, { ...labOptions(lab), action: "off", port: "vm1", delay_if_running: "vm1:1", missing_as_off: "1" }, { deps });
  t.equal(run.code, 0, `off succeeds (stderr: ${run.stderr.trim()})`);
  t.equal(run.stdout, "Success: Powered OFF\n");
  t.match(run.stderr, /vm1 runs \(dom0a:vm1 -b----\): waiting 1 s \(delay_if_running\) before destroying it, then looking again/, "the log says it waits, and why");
  const wait = steps.indexOf("sleep 1000");
  const destroy = steps.indexOf("destroy vm1 on dom0a");
  t.ok(wait > 0 && steps.slice(0, wait).includes("list dom0a"), `it looked before it waited: ${steps.join(", ")}`);
  t.ok(destroy > wait && steps.slice(wait, destroy).filter((s) => s.startsWith("list")).length === 2, "after the wait it looked at both dom0s again, then destroyed");
  t.same(domainsOn(lab, "dom0a"), [], "vm1 is gone");
  t.same(domainsOn(lab, "dom0b"), ["vm2"], "vm2 still runs");

  const { steps: other, deps: otherDeps } = recorder();
  const unlisted = await fence(lab, { ...labOptions(lab), action: "reboot", port: "vm2", delay_if_running: "vm1:1", missing_as_off: "1" }, { deps: otherDeps });
  t.equal(unlisted.code, 0, "a plug the map does not list: fenced");
  t.notOk(other.includes("sleep 1000"), `a plug the map does not list waits nothing: ${other.join(", ")}`);

  const { steps: cased, deps: casedDeps } = recorder();
  const variant = await fence(lab, { ...labOptions(lab), action: "off", port: "vm2", delay_if_running: "VM2:1" }, { deps: casedDeps });
  t.equal(variant.code, 0, "a case variant: fenced");
  t.notOk(cased.includes("sleep 1000"), "without the wait (names are case-sensitive)");
  t.match(variant.stderr, /WARN: delay_if_running lists VM2, not vm2: no wait/, `and a warning names the likely typo: ${variant.stderr}`);
});

t.test("a crashed or vanished target is fenced without the wait", async (t) => {
  const lab = fenceLab(t, ["dom0a", "dom0b"]);
  // crashed, kept by on_crash=preserve: ---sc-
  const config = writeSampleConfig({ root: lab.root, name: "vm1", extraLines: ['on_crash = "preserve"'] });
  const created = await xl(lab, "dom0a", ["create", config]);
  t.equal(created.exitCode, 0, "vm1 created with on_crash=preserve");
  stopGuest(lab.root, "dom0a", "vm1", "crash");
  t.ok(listDomains(lab.root, "dom0a").some((d) => d.name === "vm1"), "vm1 exists, crashed");
  const crashed = recorder();
  const run = await fence(lab, { ...labOptions(lab), action: "off", port: "vm1", delay_if_running: "vm1:30", missing_as_off: "1" }, { deps: crashed.deps });
  t.equal(run.code, 0, `off of the crashed vm1 (stderr: ${run.stderr.trim()})`);
  t.match(run.stderr, /vm1 runs nowhere \(dom0a:vm1 ---sc-\): it runs no fence of its own, so it is destroyed without the delay_if_running wait/, "the log says why it does not wait");
  t.notOk(crashed.steps.some((s) => s === "sleep 30000"), `no 30 s wait: ${crashed.steps.join(", ")}`);
  t.ok(crashed.steps.includes("destroy vm1 on dom0a"), "destroyed");
  t.same(domainsOn(lab, "dom0a"), [], "vm1 is gone");

  // gone everywhere (crashed with on_crash=destroy): missing_as_off, no wait, nothing destroyed
  const absent = recorder();
  const gone = await fence(lab, { ...labOptions(lab), action: "reboot", port: "vm1", delay_if_running: "vm1:30", missing_as_off: "1", config_dir: "/nonexistent" }, { deps: absent.deps });
  t.match(gone.stderr, /vm1 is not known to the device; missing_as_off is set, so it counts as off/, "absent: missing_as_off decides");
  t.notOk(absent.steps.some((s) => s.startsWith("sleep 30000") || s.startsWith("destroy")), `absent: no wait, no destroy: ${absent.steps.join(", ")}`);
  t.notMatch(gone.stderr, /waiting 30 s/, "absent: the log shows no wait");
});

t.test("a wait that does not fit the action's time fails before it waits", async (t) => {
  const lab = fenceLab(t, ["dom0a"]);
  await startDomain(lab, "dom0a", "vm1");
  const decoded = decodeValues(fenceXenParams, (name) => ({ ...labOptions(lab), delay_if_running: "vm1:5", missing_as_off: "1" })[name]);
  if (!decoded.ok) throw new Error(decoded.problems.join("; "));
  let said = "";
  // 6 s left: the 5 s wait and a look and destroy (2 x (login 3 + shell 10) s) do not fit
  const deadline: Deadline = { remainingMs: () => 6_000, callTimeoutMs: (cap) => Math.min(cap, 6_000), expired: () => false, elapsedMs: () => 0 };
  const log = createLogger("fence_xen", {}, (text) => void (said += text));
  const { steps, deps } = recorder();
  const device = xenDevice(decoded.values, { log, deadline, env: lab.client.env, runningDelays: decoded.values.delay_if_running }, { ...realFenceXenDeps("test"), ...deps });
  await t.rejects(device.powerOff("vm1"), /delay_if_running: vm1 runs \(dom0a:vm1 -b----\), but its 5 s wait does not fit: 6\.0 s of this action are left, and the wait with one more look and destroy may take 31 s; nothing was destroyed/);
  t.notOk(steps.some((s) => s.startsWith("sleep") || s.startsWith("destroy")), `no wait, no destroy: ${steps.join(", ")}`);
  t.same(domainsOn(lab, "dom0a"), ["vm1"], "vm1 still runs");
  t.notMatch(said, /waiting/, "the log shows no wait");
  await endLeftoverTools();
});

/**
 * The split: guest1 (on dom0a) and guest2 (on dom0b) fence each other at
 * once, each fence_xen run "inside" its guest: no command of it starts once
 * its guest's domain is gone, shut down or dying (what a destroyed guest's
 * processes can do), while a command already under way completes (a dom0's
 * sshd finishes an `xl destroy` it began). delay_if_running=guest1:1, as the
 * guest-cluster template renders it. Claim: when the two fences begin within
 * SKEW_MS of each other, exactly one guest survives: never both destroyed,
 * never both running. Start skews are random (seeded: SPLIT_SEED, SPLIT_ROUNDS).
 * Without delay_if_running the same split, begun at once, destroys both (the
 * control: this test can fail).
 */
const SEED = Number(process.env["SPLIT_SEED"] ?? 20_261_204);
const ROUNDS = Number(process.env["SPLIT_ROUNDS"] ?? 10);
const SKEW_MS = 400;

const GUESTS = { guest1: "dom0a", guest2: "dom0b" } as const;
type Guest = keyof typeof GUESTS;

/** Ground truth: the guest's domain exists and can run code. */
const alive = (lab: FenceLab, guest: Guest): boolean =>
  listDomains(lab.root, GUESTS[guest]).some((d) => d.name === guest && !d.dying && d.shutdownReason === null);

/** A fence of `target` run from inside `from`: it dies (starts no command) with its guest. */
async function fenceFrom(lab: FenceLab, from: Guest, target: Guest, delay: string | undefined, startMs: number): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, startMs));
  if (!alive(lab, from)) return `${from} was dead before its fence began`;
  const run: CommandRunner = (file, args, options) => {
    if (!alive(lab, from)) return Promise.reject(new Error(`${from} is gone: its fence_xen died with it`));
    return runCommand(file, args, options);
  };
  const options = { ...labOptions(lab), action: "off", port: target, missing_as_off: "1", ...(delay ? { delay_if_running: delay } : {}) };
  const { io, out } = captureIo([], lab.client.env, Object.entries(options).map(([k, v]) => `${k}=${v}\n`).join(""));
  const code = await fenceXenMain(io, { ...realFenceXenDeps(`fence_xen@${from}`), run }).catch((error: unknown) => `threw ${String(error)}`);
  return `${from} -> ${target}: ${code} ${out.stdout.trim()} ${out.stderr.split("\n").filter((l) => /wait|Failed|destroyed/.test(l)).join(" | ")}`;
}

async function split(lab: FenceLab, delay: string | undefined, skewMs: number): Promise<{ survivors: Guest[]; said: string[] }> {
  for (const guest of Object.keys(GUESTS) as Guest[]) if (!alive(lab, guest)) await startDomain(lab, GUESTS[guest], guest);
  // skew > 0: guest1's fence (of guest2, undelayed) begins later than guest2's
  const said = await Promise.all([fenceFrom(lab, "guest1", "guest2", delay, Math.max(0, skewMs)), fenceFrom(lab, "guest2", "guest1", delay, Math.max(0, -skewMs))]);
  await endLeftoverTools();
  // let a destroy that was under way finish before the ground truth is read
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { survivors: (Object.keys(GUESTS) as Guest[]).filter((g) => alive(lab, g)), said };
}

t.test(`split: two guests fence each other within ${SKEW_MS} ms; exactly one survives (seed ${SEED}, ${ROUNDS} rounds)`, async (t) => {
  const lab = fenceLab(t, Object.values(GUESTS));
  const next = seededRandom(SEED);
  const skews = [0, SKEW_MS, -SKEW_MS, ...Array.from({ length: Math.max(0, ROUNDS - 3) }, () => Math.round((next() * 2 - 1) * SKEW_MS))];
  for (const skew of skews) {
    const { survivors, said } = await split(lab, "guest1:1", skew);
    t.equal(survivors.length, 1, `skew ${skew} ms: exactly one guest survives (${survivors.join(", ") || "none"}); ${said.join(" // ")}`);
    if (survivors.length === 1) t.equal(survivors[0], "guest1", `skew ${skew} ms: the guest the delay protects`);
    for (const guest of Object.keys(GUESTS) as Guest[]) {
      if (alive(lab, guest)) await xl(lab, GUESTS[guest], ["destroy", guest]);
    }
  }
});

t.test("split control: without delay_if_running, fences begun at once destroy both guests", async (t) => {
  const lab = fenceLab(t, Object.values(GUESTS));
  const outcomes: number[] = [];
  for (let round = 0; round < 3; round++) {
    const { survivors } = await split(lab, undefined, 0);
    outcomes.push(survivors.length);
    for (const guest of Object.keys(GUESTS) as Guest[]) if (alive(lab, guest)) await xl(lab, GUESTS[guest], ["destroy", guest]);
  }
  t.ok(outcomes.includes(0), `in at least one of 3 rounds both were destroyed (survivors per round: ${outcomes.join(", ")})`);
});
