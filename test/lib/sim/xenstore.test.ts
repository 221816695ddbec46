import t, { type Test } from "tap";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { setHostKnobs, stopGuest, writeSampleConfig, type SimHost } from "../../../lib/sim/index.ts";
import { lsLines, sanitise } from "../../../lib/sim/xenstore/main.ts";
import { domainPhases, specialEvents } from "../../../lib/sim/xenstore/tree.ts";
import { eventually, run, simHost, untilState, xl } from "./support.ts";

/** The simulator's xenstore client against Xen 4.17's xenstore_client.c and xenstored (doc/xenstore.md). */

async function withDomain(t: Test): Promise<{ host: SimHost; cfg: string }> {
  const host = simHost(t);
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  t.equal((await xl(host, "create", "-q", cfg)).code, 0, "vm1 created");
  t.ok(await untilState(host, "vm1", "-b----"), "vm1 runs");
  return { host, cfg };
}

t.test("one-shot modes: output, errors and exit codes", async (t) => {
  const { host } = await withDomain(t);
  const vm = (await run(host, "xenstore-read", ["/local/domain/1/vm"])).stdout.trim();
  t.match(vm, /^\/vm\/[0-9a-f-]{36}$/, "vm path");
  const rows: [string, string[], number, string, string][] = [
    ["xenstore-read", ["/local/domain/1/name"], 0, "vm1\n", ""],
    ["xenstore-read", ["name"], 0, "Domain-0\n", ""], // relative: under /local/domain/0
    ["xenstore-read", ["-p", "/local/domain/1/domid"], 0, "/local/domain/1/domid: 1\n", ""],
    ["xenstore-read", ["-s", "/local/domain/1/name"], 0, "vm1\n", ""], // -s accepted, ignored
    ["xenstore-read", ["/nope"], 1, "", "xenstore-read: couldn't read path /nope\n"],
    // stops at the first failure; what was read before still comes out, after the error line
    ["xenstore-read", ["/local/domain/1/name", "/nope", "name"], 1, "vm1\n", "xenstore-read: couldn't read path /nope\n"],
    ["xenstore-read", ["-R", "/local/domain/1/name"], 0, "vm1", ""],
    ["xenstore-read", ["--", "-p"], 1, "", "xenstore-read: couldn't read path -p\n"],
    ["xenstore-read", [], 1, "", "xenstore-read: Usage: xenstore-read [-h] [-p] [-s] [-R] key [...]\n"],
    ["xenstore-read", ["-h"], 1, "", "xenstore-read: Usage: xenstore-read [-h] [-p] [-s] [-R] key [...]\n"],
    ["xenstore-read", ["-x", "name"], 0, "Domain-0\n", "xenstore-read: invalid option -- 'x'\n"],
    ["xenstore-exists", ["/local/domain/1"], 0, "", ""],
    ["xenstore-exists", ["/local/domain/7"], 1, "", ""],
    ["xenstore-list", ["/local/domain"], 0, "0\n1\n", ""],
    ["xenstore-list", ["-p", "/local/domain"], 0, "/local/domain/0\n/local/domain/1\n", ""],
    ["xenstore-list", ["/nope"], 1, "", "xenstore-list: could not list path /nope\n"],
    ["xenstore-ls", ["/nope"], 1, "", "xenstore-ls: xs_directory (/nope): No such file or directory\n"],
    ["xenstore-ls", ["/local/domain/0"], 0, 'name = "Domain-0"\ndomid = "0"\n', ""],
    ["xenstore-ls", ["-f", "/local/domain/0"], 0, '/local/domain/0/name = "Domain-0"\n/local/domain/0/domid = "0"\n', ""],
    ["xenstore", ["read", "/local/domain/1/name"], 0, "vm1\n", ""],
    ["xenstore", ["foo"], 1, "", "xenstore: unknown mode foo\n\n"],
    ["xenstore-watch", [], 1, "", "xenstore-watch: Usage: xenstore-watch [-h] [-n NR] key\n"],
    ["xenstore-watch", ["-n", "1", "/a", "/a"], 1, "", "xenstore-watch: Unable to add watch on /a\n\n"],
  ];
  for (const [tool, args, code, stdout, stderr] of rows) {
    const result = await run(host, tool, args);
    t.same([result.exitCode, result.stdout, result.stderr], [code, stdout, stderr], `${tool} ${args.join(" ")}`);
  }
  const ls = await run(host, "xenstore-ls", ["/local/domain/1"]);
  t.match(ls.stdout, /^vm = "\/vm\/[0-9a-f-]+"\nname = "vm1"\ndomid = "1"\nmemory = ""\n target = "524288"\ncontrol = ""\n shutdown = ""\n$/, "creation order, one space of indent per level");
  const whole = await run(host, "xenstore-ls", []);
  t.match(whole.stdout, /^local = ""\n domain = ""\n  0 = ""\n/, "default path /");
});

t.test("no hypervisor: no xenstored to open", async (t) => {
  const host = simHost(t);
  setHostKnobs(host.root, host.host, { hypervisor: false });
  for (const tool of ["xenstore-read", "xenstore-watch"]) {
    const result = await run(host, tool, ["/local/domain/0/name"]);
    t.same([result.exitCode, result.stderr], [1, `${tool}: xs_open: No such file or directory\n`], tool);
  }
});

t.test("ls cuts at 80 columns off a TTY, -f never; values are escaped", async (t) => {
  const tree = new Map([
    ["/", ""],
    ["/a", ""],
    ["/a/long", "x".repeat(100)],
  ]);
  const cut = lsLines(tree, "/", false);
  t.equal(cut[1], ` long = "${"x".repeat(80 - 8 - 5)}\\..."`);
  t.equal(cut[1]?.length, 81, "the value is cut to 80 - 8 - indent - name; the closing tag overshoots by one, as in C");
  t.equal(lsLines(tree, "/", true)[1], `/a/long = "${"x".repeat(100)}"`);
  t.equal(sanitise("a\tb\u0001c\\d\n\u001f"), "a\\tb\\001c\\\\d\\n\\x1f");
});

t.test("special events: anonymous and coalesced", async (t) => {
  const phases = (list: [number, "running" | "shutdown" | "dying"][]) => new Map(list);
  const rows: [string, ReturnType<typeof phases>, ReturnType<typeof phases>, string[]][] = [
    ["nothing changed", phases([[1, "running"]]), phases([[1, "running"]]), []],
    ["shut down (any reason)", phases([[1, "running"]]), phases([[1, "shutdown"]]), ["@releaseDomain"]],
    ["dying", phases([[1, "shutdown"]]), phases([[1, "dying"]]), ["@releaseDomain"]],
    ["vanished while running", phases([[1, "running"]]), phases([]), ["@releaseDomain"]],
    ["dying one finally freed: already announced", phases([[1, "dying"]]), phases([]), []],
    ["two deaths at once: one event", phases([[1, "running"], [2, "running"]]), phases([]), ["@releaseDomain"]],
    ["new domain", phases([]), phases([[3, "running"]]), ["@introduceDomain"]],
    ["restart seen in one look", phases([[1, "running"]]), phases([[2, "running"]]), ["@releaseDomain", "@introduceDomain"]],
  ];
  for (const [why, before, after, events] of rows) t.same(specialEvents(before, after), events, why);
  t.same(domainPhases({ domains: [] } as never), new Map(), "no domains");
});

/** A running xenstore-watch: its lines as they come. */
function watcher(host: SimHost, args: string[]) {
  const child = spawn(join(host.binDir, "xenstore-watch"), args, { env: { ...process.env, ...host.env, NODE_OPTIONS: undefined } });
  const lines: string[] = [];
  let buffered = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts);
  });
  // bounded: a watcher that misses its event fails the test, it does not hang it
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
  return { child, lines, exited, stop: () => child.kill("SIGKILL") };
}

t.test("watch: initial firing, then one line per event", async (t) => {
  const host = simHost(t);
  const w = watcher(host, ["@releaseDomain", "@introduceDomain", "/local/domain", "@releaseDomain/1"]);
  t.teardown(w.stop);
  t.ok(await eventually(() => w.lines.length >= 4), "initial events");
  t.same(w.lines, ["@releaseDomain", "@introduceDomain", "/local/domain", "@releaseDomain/1"], "each watched path once, in order");
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  await xl(host, "create", "-q", cfg);
  t.ok(await eventually(() => w.lines.includes("/local/domain/1/name")), "the new name is announced");
  t.ok(w.lines.slice(4).includes("@introduceDomain"), "@introduceDomain on create");
  t.notOk(w.lines.slice(4).includes("@releaseDomain"), "no release on create");
  const before = w.lines.length;
  await xl(host, "destroy", "vm1");
  t.ok(await eventually(() => w.lines.slice(before).includes("@releaseDomain")), "@releaseDomain on destroy");
  const after = w.lines.slice(before);
  t.same(after.filter((l) => l.startsWith("/local/domain")), ["/local/domain/1"], "a removed subtree is one event, at its top");
  t.ok(after.indexOf("/local/domain/1") < after.indexOf("@releaseDomain"), "subtree removed before the release");
  t.notOk(w.lines.slice(4).includes("@releaseDomain/1"), "@releaseDomain/1 never fires before Xen 4.22");
});

t.test("watch: a crash with on_crash=destroy fires at the crash and again at the death", async (t) => {
  const { host } = await withDomain(t);
  const w = watcher(host, ["@releaseDomain", "/"]);
  t.teardown(w.stop);
  t.ok(await eventually(() => w.lines.length >= 2));
  stopGuest(host.root, host.host, "vm1", "crash");
  t.ok(await untilState(host, "vm1", undefined), "gone");
  t.ok(await eventually(() => w.lines.filter((l) => l === "@releaseDomain").length >= 3), "initial + shutdown + dying");
  t.notOk(w.lines.slice(2).some((l) => l.startsWith("@") && l !== "@releaseDomain"), "no @ event reaches a / watch");
  t.ok(w.lines.includes("/local/domain/1"), "/ watch sees the subtree go");
});

t.test("watch -n: exits 0 after NR lines, initial ones included", async (t) => {
  const host = simHost(t);
  const one = await run(host, "xenstore-watch", ["-n", "1", "@releaseDomain"]);
  t.same([one.exitCode, one.stdout], [0, "@releaseDomain\n"], "-n 1 returns at once");
  const w = watcher(host, ["-n", "2", "@introduceDomain"]);
  t.ok(await eventually(() => w.lines.length === 1));
  await xl(host, "create", "-q", writeSampleConfig({ root: host.root, name: "vm1" }));
  t.equal(await w.exited, 0, "second line ends it");
  t.same(w.lines, ["@introduceDomain", "@introduceDomain"]);
});
