import t from "tap";
import { writeFileSync } from "node:fs";
import { callLog, listDomains, setHostKnobs, writeSampleConfig } from "../../../lib/sim/index.ts";
import { hostPaths } from "../../../lib/sim/host/paths.ts";
import { eventually, run, simHost, xl } from "./support.ts";

/** Fault knobs: hangs, transient failures, latency; a failing or hanging call changes nothing. */

t.test("a hanging command hangs until killed, and changes nothing", async (t) => {
  const host = simHost(t);
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  setHostKnobs(host.root, host.host, { hang: ["create"] });
  const hung = await run(host, "xl", ["create", cfg], 1_500);
  t.equal(hung.timedOut, true, "killed by the caller's timeout");
  t.same(listDomains(host.root, host.host), [], "no domain was created");
  const list = await run(host, "xl", ["list"]);
  t.equal(list.exitCode, 0, "other commands still answer");
  setHostKnobs(host.root, host.host, { hang: ["*"] });
  t.equal((await run(host, "xl", ["list"], 1_000)).timedOut, true, "* hangs everything");
  const calls = callLog(host.root, host.host);
  t.same(
    calls.map((c) => [c.argv.join(" "), c.exitCode]),
    [[`create ${cfg}`, undefined], ["list", 0], ["list", undefined]],
    "killed calls are logged without an exit code",
  );
});

t.test("transient failures: N times with libxl's texts, then success", async (t) => {
  const host = simHost(t);
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  setHostKnobs(host.root, host.host, { fail: { list: 2, create: 1 } });
  for (let i = 0; i < 2; i++) {
    const failed = await xl(host, "list");
    t.same(
      [failed.code, failed.stdout],
      [1, ""],
      `list fails (${i + 1})`,
    );
    t.match(failed.stderr, /^libxl: error: [^:]+:\d+:libxl_list_domain: getting domain info list: Resource temporarily unavailable\nlibxl_list_domain failed\.\n$/);
  }
  t.equal((await xl(host, "list")).code, 0, "then it works");
  const create = await xl(host, "create", "-q", cfg);
  t.equal(create.code, 3);
  t.match(create.stderr, /Domain 1:cannot \(re-\)build domain: -3\n$/);
  t.same(listDomains(host.root, host.host), []);
  t.equal((await xl(host, "create", "-q", cfg)).code, 0);
  t.equal(listDomains(host.root, host.host)[0]?.domid, 2, "the failed create consumed domid 1");
});

t.test("slow commands and the time factor", async (t) => {
  const host = simHost(t, { timeFactor: 0.01 });
  setHostKnobs(host.root, host.host, { slowMs: { info: 30_000 } });
  let started = Date.now();
  t.equal((await xl(host, "info")).code, 0);
  const slow = Date.now() - started;
  t.ok(slow >= 290, `30 s of extra latency at factor 0.01: ${slow} ms`);
  started = Date.now();
  await xl(host, "list");
  t.ok(Date.now() - started < slow, "other commands are not slowed");
});

t.test("a state lock left by a dead process is broken; one held by a live process is waited for", async (t) => {
  const host = simHost(t);
  const { lockFile } = hostPaths(host.root, host.host);
  writeFileSync(lockFile, "999999\n");
  t.equal((await xl(host, "pause", "0")).code, 0, "a dead owner's lock does not block");
  writeFileSync(lockFile, `${process.pid}\n`);
  const waiting = run(host, "xl", ["pause", "0"]);
  t.ok(await eventually(() => callLog(host.root, host.host).length === 2), "the second call has started");
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.same(callLog(host.root, host.host)[1]?.exitCode, undefined, "blocked while the owner lives");
  const { rmSync } = await import("node:fs");
  rmSync(lockFile);
  t.equal((await waiting).exitCode, 0, "proceeds once it is released");
});

t.test("parallel creates: distinct domids, consistent state; one name wins once", async (t) => {
  const host = simHost(t);
  const configs = ["a", "b", "c", "d"].map((name) => writeSampleConfig({ root: host.root, name }));
  const results = await Promise.all(configs.map((cfg) => run(host, "xl", ["create", "-q", cfg])));
  t.same(results.map((r) => r.exitCode), [0, 0, 0, 0]);
  t.same(listDomains(host.root, host.host).map((d) => d.domid).sort(), [1, 2, 3, 4]);
  const same = writeSampleConfig({ root: host.root, name: "same" });
  const racing = await Promise.all([1, 2, 3].map(() => run(host, "xl", ["create", "-q", same])));
  t.same(racing.map((r) => r.exitCode).sort(), [0, 3, 3], "exactly one create of a name succeeds");
  t.equal(listDomains(host.root, host.host).filter((d) => d.name === "same").length, 1);
});

t.test("autoballoon serialises creates on /var/lock/xl; without it builds overlap", async (t) => {
  for (const autoballoon of [false, true]) {
    const host = simHost(t);
    setHostKnobs(host.root, host.host, { autoballoon, timing: { createPvMs: 60_000 } });
    const configs = ["a", "b"].map((name) => writeSampleConfig({ root: host.root, name }));
    const creating = Promise.all(configs.map((cfg) => run(host, "xl", ["create", "-q", cfg])));
    const overlapped = await eventually(() => listDomains(host.root, host.host).filter((d) => d.state === "--p---").length === 2, 2_000);
    t.equal(overlapped, !autoballoon, `autoballoon ${autoballoon}: two builds at once ${!autoballoon}`);
    t.same((await creating).map((r) => r.exitCode), [0, 0]);
    const info = await run(host, "xl", ["info"]);
    const commandline = /^xen_commandline\s+: (.*)$/m.exec(info.stdout)?.[1] ?? "";
    t.equal(/(^|\s)dom0_mem=/.test(commandline), !autoballoon, `autoballoon ${autoballoon}: Xen booted with dom0_mem= ${!autoballoon} (${commandline})`);
  }
});
