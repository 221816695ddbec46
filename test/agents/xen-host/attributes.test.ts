import t from "tap";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand, type CommandRunner } from "../../../lib/exec/command.ts";
import { setHostKnobs, writeSampleConfig } from "../../../lib/sim/index.ts";
import { xenHostStage, type XenHostStage } from "../../support/xen-host-stage.ts";

/**
 * What XenHost writes, and when (doc/xen-host.md §9): #health-xen at every
 * monitor; a figure only when it changed, everything at start and at least
 * every attribute_refresh monitors. Each crm_attribute the agent runs is
 * recorded; the attributes themselves are read back from the CIB file the
 * real crm_attribute wrote (cibadmin).
 */
interface Recorder {
  readonly run: CommandRunner;
  /** The attribute names written (set or deleted) since the last call. */
  readonly take: () => string[];
}

function recorder(): Recorder {
  let written: string[] = [];
  return {
    run: (file, args, options) => {
      if (file === "crm_attribute") written.push(args.find((a) => a.startsWith("--name="))?.slice("--name=".length) ?? "?");
      return runCommand(file, args, options);
    },
    take: () => {
      const taken = written.sort();
      written = [];
      return taken;
    },
  };
}

const ALL = ["#health-xen", "xen-free-memory-mib", "xen-reserve-headroom-mib", "xen-toolstack-latency-ms"];
const PARAMS = { OCF_RESKEY_memory_reserve: "1024", OCF_RESKEY_attribute_refresh: "3" };

/** Deletes an attribute as an admin (or attrd losing it) would, behind the agent's back. */
async function deleteBehindTheBack(s: XenHostStage, name: string): Promise<void> {
  const result = await runCommand("crm_attribute", ["--node=node1", `--name=${name}`, "--delete", "--lifetime=reboot"], { timeoutMs: 10_000, env: { CIB_file: s.cibFile } });
  if (result.exitCode !== 0) throw new Error(`crm_attribute --delete: ${result.stderr}`);
}

t.test("start writes everything; a monitor writes #health-xen and what changed", async (t) => {
  const s = xenHostStage();
  t.teardown(s.dispose);
  const r = recorder();
  t.equal((await s.run("start", PARAMS, { run: r.run })).code, 0);
  t.same(r.take(), ALL, "start: every attribute");
  t.equal((await s.run("monitor", PARAMS, { run: r.run })).code, 0);
  const written = r.take();
  t.ok(written.includes("#health-xen"), "monitor: #health-xen, always");
  t.notOk(written.includes("xen-free-memory-mib"), "monitor: free memory unchanged, not written");
  t.notOk(written.includes("xen-reserve-headroom-mib"), "monitor: headroom unchanged, not written");
  t.same((await s.attributes())["xen-reserve-headroom-mib"], "13312", "and still published");

  // a domain of 1024 MiB appears: both memory figures change, and are written at once
  const config = writeSampleConfig({ root: s.root, name: "new", memoryMiB: 1024 });
  const created = await runCommand("xl", ["create", config], { timeoutMs: 30_000, env: s.env });
  t.equal(created.exitCode, 0, "xl create", { stderr: created.stderr });
  const free = /^free_memory\s*: (\d+)$/m.exec((await runCommand("xl", ["info"], { timeoutMs: 20_000, env: s.env })).stdout)?.[1];
  t.ok(Number(free) < 14_336 - 1024, `free memory dropped (${free} MiB)`);
  t.equal((await s.run("monitor", PARAMS, { run: r.run })).code, 0);
  const after = r.take();
  t.ok(after.includes("xen-free-memory-mib") && after.includes("xen-reserve-headroom-mib"), `the changed figures are written: ${after.join(" ")}`);
  const attributes = await s.attributes();
  t.equal(attributes["xen-free-memory-mib"], free, "xen-free-memory-mib follows at once");
  t.equal(attributes["xen-reserve-headroom-mib"], String(Number(free) - 1024), "xen-reserve-headroom-mib follows at once");
});

t.test("a figure deleted behind the agent's back is back within attribute_refresh monitors", async (t) => {
  const s = xenHostStage();
  t.teardown(s.dispose);
  const r = recorder();
  t.equal((await s.run("start", PARAMS, { run: r.run })).code, 0);
  r.take();
  await deleteBehindTheBack(s, "xen-reserve-headroom-mib");
  await deleteBehindTheBack(s, "#health-xen");
  const present: boolean[] = [];
  const health: (string | undefined)[] = [];
  for (let monitor = 1; monitor <= 3; monitor++) {
    t.equal((await s.run("monitor", PARAMS, { run: r.run })).code, 0, `monitor ${monitor}`);
    const attributes = await s.attributes();
    present.push("xen-reserve-headroom-mib" in attributes);
    health.push(attributes["#health-xen"]);
    const written = r.take();
    if (monitor < 3) t.same(written.filter((n) => n !== "xen-toolstack-latency-ms"), ["#health-xen"], `monitor ${monitor}: only #health-xen (and a changed latency)`);
    else t.same(written, ALL, "monitor 3 (attribute_refresh=3 after start): every attribute");
  }
  t.same(health, ["green", "green", "green"], "#health-xen is back at the very next monitor");
  t.same(present, [false, false, true], "the headroom is back at the third monitor, the bound");
  t.equal((await s.attributes())["xen-reserve-headroom-mib"], "13312");

  // the count starts again after a full write: the next full write is three monitors later
  for (let monitor = 4; monitor <= 6; monitor++) {
    t.equal((await s.run("monitor", PARAMS, { run: r.run })).code, 0);
    t.equal(r.take().length === ALL.length, monitor === 6, `monitor ${monitor}: ${monitor === 6 ? "" : "not "}a full write`);
  }
});

t.test("attribute_refresh=1: every attribute at every monitor", async (t) => {
  const s = xenHostStage();
  t.teardown(s.dispose);
  const r = recorder();
  const params = { ...PARAMS, OCF_RESKEY_attribute_refresh: "1" };
  t.equal((await s.run("start", params, { run: r.run })).code, 0);
  r.take();
  await deleteBehindTheBack(s, "xen-free-memory-mib");
  t.equal((await s.run("monitor", params, { run: r.run })).code, 0);
  t.same(r.take(), ALL);
  t.equal((await s.attributes())["xen-free-memory-mib"], "14336", "back at once");
});

t.test("a figure that becomes unknown is deleted at once, whatever the refresh count", async (t) => {
  const s = xenHostStage();
  t.teardown(s.dispose);
  const params = { ...PARAMS, OCF_RESKEY_attribute_refresh: "1000", OCF_RESKEY_toolstack_timeout: "1" };
  t.equal((await s.run("start", params)).code, 0);
  t.same(Object.keys(await s.attributes()).sort(), ALL);
  setHostKnobs(s.root, "node1", { hang: ["info"] });
  t.equal((await s.run("monitor", params)).code, 0);
  t.same(await s.attributes(), { "#health-xen": "red" }, "a hung toolstack: only the colour, no stale figure");
  setHostKnobs(s.root, "node1", { hang: [] });
  t.equal((await s.run("monitor", params)).code, 0);
  const back = await s.attributes();
  t.equal(back["xen-reserve-headroom-mib"], "13312", "the toolstack answers again: the figures are back at once");
  t.equal(back["#health-xen"], "red", "(the colour held red by the hysteresis)");
});

t.test("no usable record of the last monitor (torn, foreign, missing): everything is written", async (t) => {
  const s = xenHostStage();
  t.teardown(s.dispose);
  const r = recorder();
  t.equal((await s.run("start", PARAMS, { run: r.run })).code, 0);
  const record = join(s.env["HA_RSCTMP"]!, "XenHost-xen-host.attributes");
  for (const text of ['{"values":{"xen-free-memory-mib":"14336"', "null", '{"values":[],"monitorsSinceFull":0}', '{"values":{"a":1},"monitorsSinceFull":0}', '{"values":{},"monitorsSinceFull":-1}']) {
    writeFileSync(record, text);
    r.take();
    t.equal((await s.run("monitor", PARAMS, { run: r.run })).code, 0);
    t.same(r.take(), ALL, `record ${JSON.stringify(text)}: a full write`);
  }
});

t.test("a failed write is tried again in full", async (t) => {
  const s = xenHostStage();
  t.teardown(s.dispose);
  const r = recorder();
  t.equal((await s.run("start", PARAMS, { run: r.run })).code, 0);
  let failing = true;
  const flaky: CommandRunner = (file, args, options) =>
    failing && file === "crm_attribute" && args.some((a) => a.startsWith("--name=xen-toolstack")) ? runCommand("/bin/false", [], options) : r.run(file, args, options);
  r.take();
  await deleteBehindTheBack(s, "xen-free-memory-mib");
  t.equal((await s.run("monitor", { ...PARAMS, OCF_RESKEY_attribute_refresh: "1" }, { run: flaky })).code, 1, "a write fails: monitor → 1");
  failing = false;
  r.take();
  t.equal((await s.run("monitor", PARAMS, { run: r.run })).code, 0);
  t.same(r.take(), ALL, "the next monitor writes everything");
});

t.test("stop forgets the record: the next start writes everything", async (t) => {
  const s = xenHostStage();
  t.teardown(s.dispose);
  const r = recorder();
  t.equal((await s.run("start", PARAMS, { run: r.run })).code, 0);
  t.equal((await s.run("stop", PARAMS, { run: r.run })).code, 0);
  t.same(await s.attributes(), {}, "stop deleted every attribute");
  r.take();
  t.equal((await s.run("start", PARAMS, { run: r.run })).code, 0);
  t.same(r.take(), ALL);
  t.same(Object.keys(await s.attributes()).sort(), ALL);
});
