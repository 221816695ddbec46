import t from "tap";
import { listDomains } from "../../../lib/sim/index.ts";
import { fence, fenceLab, labOptions, startDomain } from "./support.ts";

/**
 * No input may make fence_xen say "off" while the plugged domain runs. vm1
 * runs on the fencing host's own toolstack; each round feeds fence_xen a
 * generated stdin built around the real plug: keys and values with spaces,
 * NUL and other control characters, case variants, dashes for underscores,
 * quotes, duplicates, comments, unknown keys, lines in any order. Whatever
 * fence_xen answers, a claim of "off" (Success: Already OFF / Powered OFF /
 * Rebooted, Status: OFF) must mean the vm1 that ran before the round is gone.
 * A round that really destroys vm1 starts it again for the next one. The
 * generator is seeded (FENCE_FUZZ_SEED, FENCE_FUZZ_ROUNDS); the seed is printed.
 */
const SEED = Number(process.env["FENCE_FUZZ_SEED"] ?? 20_251_203);
const ROUNDS = Number(process.env["FENCE_FUZZ_ROUNDS"] ?? 80);

/** mulberry32: a small seeded generator, so that a failing round can be replayed. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  /** Half the time the first (well-formed) item, so that valid fences are generated too. */
  const mostly = <T>(items: readonly T[]): T => (next() < 0.6 ? (items[0] as T) : pick(items));
  return { next, pick, mostly };
}

const PLUG_KEYS = ["port", "plug", "Port", "PLUG", " port", "port ", "po-rt", "p_lug", '"port"', "port\u0000", "\tport", "nodename", "port\u200b"];
const PLUGS = [
  "vm1", " vm1", "vm1 ", "VM1", "Vm1", "vm-1", "vm_1", "vm1\u0000", "\u0000vm1", '"vm1"', "'vm1'", '" vm1"', "vm1\r", "\rvm1", "-vm1",
  "--vm1", "vm1#", "vm1 # the guest", "\tvm1", "vm1\u00a0", "vm1\u200b", "vm\uff11", "vm1=", "=vm1", "", "Domain-0", "domain-0",
  "vm1,vm2", "vm1 vm2", "vm1\nport=vm2", "vm1--incoming", "migrating-vm1", "vm10", "vm",
];
const ACTION_KEYS = ["action", "Action", "action ", " action", "option", "act-ion", "ACTION"];
const ACTIONS = ["off", "reboot", "status", "OFF", "Off", "STATUS", " off", "off ", "off\u0000", "o-f-f", "monitor", "list", "on", "", '"off"', "off\r"];
const NOISE = ["# port=vm2", "#", "", "   ", "frobnicate=1", "nodeid=1", "agent=fence_xen", "verbose=1", "verbose=maybe", "separator=;", "=", "==", "port", "plug=", "port=\u0000", "\ufeff", "retry_on=0"];
const SEPARATORS = ["=", " = ", "= ", " =", "=\t"];

function stdinFor(rng: ReturnType<typeof generator>, base: Readonly<Record<string, string>>): string {
  const lines: string[] = Object.entries(base).map(([k, v]) => `${k}=${v}`);
  const count = 1 + Math.floor(rng.next() * 4);
  for (let i = 0; i < count; i++) {
    const roll = rng.next();
    if (roll < 0.45) lines.push(`${rng.mostly(PLUG_KEYS)}${rng.mostly(SEPARATORS)}${rng.mostly(PLUGS)}`);
    else if (roll < 0.75) lines.push(`${rng.mostly(ACTION_KEYS)}${rng.mostly(SEPARATORS)}${rng.next() < 0.6 ? rng.pick(ACTIONS.slice(0, 3)) : rng.pick(ACTIONS)}`);
    else lines.push(rng.pick(NOISE));
  }
  // shuffle: order decides which duplicate wins
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
  }
  return lines.map((line) => `${line}${rng.next() < 0.1 ? "\r" : ""}\n`).join("");
}

const CLAIMS_OFF = /Success: Already OFF|Success: Powered OFF|Success: Rebooted|Status: OFF/;

t.test(`no generated stdin makes fence_xen say off while vm1 runs (seed ${SEED}, ${ROUNDS} rounds)`, async (t) => {
  t.comment(`FENCE_FUZZ_SEED=${SEED} FENCE_FUZZ_ROUNDS=${ROUNDS}`);
  const lab = fenceLab(t, []);
  const base = { ...labOptions(lab), dom0_list: "local", power_timeout: "3" };
  const vm1 = () => listDomains(lab.root, lab.client.host).find((d) => d.name === "vm1" && !d.dying)?.domid;
  await startDomain(lab, lab.client.host, "vm1");
  const rng = generator(SEED);
  const tally = { claims: 0, kills: 0, failures: 0, other: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    if (vm1() === undefined) await startDomain(lab, lab.client.host, "vm1");
    const before = vm1();
    const text = stdinFor(rng, base);
    const run = await fence(lab, {}, { stdin: text });
    const claim = CLAIMS_OFF.test(run.stdout) || run.code === 2;
    const gone = vm1() !== before;
    const where = `round ${round}: stdin ${JSON.stringify(text)} -> exit ${run.code}, ${JSON.stringify(run.stdout)}`;
    if (claim) {
      tally.claims++;
      if (!gone) t.fail(`${where}: said off while vm1 (domid ${before}) runs`);
    }
    if (gone) tally.kills++;
    if (run.code === 1) tally.failures++;
    else if (!claim) tally.other++;
    if (/\n\s+at \S/.test(run.stderr)) t.fail(`${where}: a stack trace on stderr`);
  }
  t.comment(`claims of off: ${tally.claims}, vm1 destroyed: ${tally.kills}, refusals or failures: ${tally.failures}, other answers: ${tally.other}`);
  t.ok(tally.kills > 0, "some generated inputs were valid fences of vm1 (the generator reaches the real plug)");
  t.ok(tally.failures > 0, "some generated inputs were refused");
});
