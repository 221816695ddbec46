import t from "tap";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fenceXenMain } from "../../../agents/fence-xen/main.ts";
import { realFenceXenDeps } from "../../../agents/fence-xen/device.ts";
import { fenceXenParams } from "../../../agents/fence-xen/params.ts";
import { callLog, listDomains } from "../../../lib/sim/index.ts";
import { captureIo } from "../../support/capture-io.ts";
import { fence, fenceLab, labOptions, startDomain, type FenceRun } from "./support.ts";

/**
 * Every fence_xen key (each name and old name) given hostile values, in an
 * `off` of vm1, which runs on the fencing host's own toolstack. Whatever the
 * value, fence_xen either fences vm1 properly (exit 0, Powered OFF, vm1 gone)
 * or refuses with exit 1 and a one-line reason naming the option, having
 * created and destroyed nothing; never a stack trace, never past its
 * deadline, and no toolstack call ever carries the value where it could be
 * read as an option. Newlines travel on the command line (stdin ends a line
 * there); bytes that are not UTF-8 and more than 1 MiB are whole-input cases.
 */
const dir = mkdtempSync(join(tmpdir(), "fence-hostile-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const fifo = join(dir, "fifo");
execFileSync("mkfifo", [fifo]);
const directory = join(dir, "a-directory");
mkdirSync(directory);

const TOKEN = "Zq9";
const VALUES: readonly { readonly kind: string; readonly value: string }[] = [
  { kind: "leading dash", value: `-${TOKEN}` },
  { kind: "an option with a value", value: `--${TOKEN}=1` },
  { kind: "surrounding spaces", value: ` ${TOKEN} ` },
  { kind: "quotes", value: `"${TOKEN}'` },
  { kind: "NUL", value: `${TOKEN}\u0000x` },
  { kind: "ESC", value: `${TOKEN}\u001b[2J` },
  { kind: "1 MB", value: `/${TOKEN}${"x".repeat(1_000_000)}` },
  { kind: "a FIFO", value: fifo },
  { kind: "a device", value: "/dev/zero" },
  { kind: "a directory", value: directory },
];

/** Every key fence_xen reads: each parameter's name and its old names. */
const KEYS = Object.entries(fenceXenParams).flatMap(([name, p]) => [name, ...(p.aliases ?? [])].map((key) => ({ key, name })));

t.test(`hostile values for every fence_xen key (${KEYS.length} keys x ${VALUES.length} values, and newlines)`, async (t) => {
  const lab = fenceLab(t, []);
  const host = lab.client.host;
  const base = { ...labOptions(lab), dom0_list: "local", power_timeout: "3", action: "off", port: "vm1" };
  const vm1 = () => listDomains(lab.root, host).find((d) => d.name === "vm1" && !d.dying)?.domid;
  await startDomain(lab, host, "vm1");
  const tally = { refused: 0, fenced: 0 };
  const fenced: string[] = [];

  /** The promises every answer keeps; `name` is the parameter the hostile value was given to. */
  const judge = async (what: string, name: string, run: FenceRun, before: number | undefined) => {
    const after = vm1();
    if (/\n\s+at \S/.test(run.stderr)) t.fail(`${what}: a stack trace`);
    if (run.ms > 60_000) t.fail(`${what}: answered after ${run.ms} ms`);
    if (run.code === 0) {
      tally.fenced++;
      fenced.push(what);
      if (run.stdout !== "Success: Powered OFF\n" || after !== undefined) t.fail(`${what}: exit 0 without vm1 destroyed (${JSON.stringify(run.stdout)})`);
      await startDomain(lab, host, "vm1");
    } else {
      tally.refused++;
      if (run.code !== 1) t.fail(`${what}: exit ${run.code}`);
      if (after !== before) t.fail(`${what}: refused, yet vm1 changed (domid ${before} -> ${after})`);
      const reason = name === "action" ? /ERROR: Failed: (Unrecognised action|action: )/ : new RegExp(`ERROR: Failed: (${name}|stdin|action)\\b`);
      if (!reason.test(run.stderr)) t.fail(`${what}: no one-line reason naming ${name}: ${JSON.stringify(run.stderr.slice(0, 300))}`);
    }
  };

  for (const { key, name } of KEYS) {
    for (const { kind, value } of VALUES) {
      const before = vm1();
      const run = await fence(lab, { ...base, [key]: value });
      await judge(`${key} = ${kind}`, name, run, before);
    }
  }
  for (const name of Object.keys(fenceXenParams)) {
    const argv = Object.entries({ ...base, [name]: `${TOKEN}\nport=vm2` }).flatMap(([k, v]) => [`--${k.replace(/_/g, "-")}=${v}`]);
    const before = vm1();
    await judge(`--${name} with a newline (command line)`, name, await fence(lab, {}, { argv }), before);
  }

  const notUtf8 = captureIo([], lab.client.env, { ok: true, bytes: Buffer.concat([Buffer.from("action=off\nport=vm1\xff\n", "latin1")]) });
  t.equal(await fenceXenMain(notUtf8.io, realFenceXenDeps("fence_xen@guest0")), 1, "bytes that are not UTF-8: refused");
  t.match(notUtf8.out.stderr, /ERROR: Failed: stdin is not valid UTF-8/);

  const options = callLog(lab.root, host).flatMap((call) => call.argv.filter((word) => word.startsWith("-") && word.includes(TOKEN)));
  t.same(options, [], "no toolstack call carried a hostile value as an option word");
  t.comment(`refused: ${tally.refused}, fenced properly: ${tally.fenced} (${fenced.join("; ")})`);
  t.ok(tally.fenced > 0 && tally.refused > 0, "both outcomes occur (the run is not vacuous)");
});
