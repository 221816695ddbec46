import t from "tap";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { traceFileOf } from "../../../lib/ocf/trace.ts";
import { simResource } from "../../support/sim-resource.ts";

/**
 * OCF_TRACE_RA (crm_resource -V, ocf-tester -X) and the per-resource
 * trace_ra=1: debug lines and every toolstack call, with its outcome, go to
 * the trace file resource-agents' shell agents would write.
 */
const at = new Date(2026, 10, 25, 3, 4, 5);

t.test("where a trace goes", async (t) => {
  const rows: [string, Record<string, string>, string | undefined][] = [
    ["no trace asked for", {}, undefined],
    ["OCF_TRACE_RA=0", { OCF_TRACE_RA: "0" }, undefined],
    ["default dir", { OCF_TRACE_RA: "1" }, "/var/lib/heartbeat/trace_ra/XenDomain/vm1-rsc.start.2026-11-25.03:04:05"],
    ["HA_VARLIB", { OCF_TRACE_RA: "yes", HA_VARLIB: "/srv/ha" }, "/srv/ha/trace_ra/XenDomain/vm1-rsc.start.2026-11-25.03:04:05"],
    ["per resource: trace_ra and trace_dir", { OCF_RESKEY_trace_ra: "1", OCF_RESKEY_trace_dir: "/tmp/t" }, "/tmp/t/XenDomain/vm1-rsc.start.2026-11-25.03:04:05"],
    ["a named file", { OCF_TRACE_RA: "1", OCF_TRACE_FILE: "/tmp/one.trace" }, "/tmp/one.trace"],
    ["crm_resource's /dev/stderr: stderr has it already", { OCF_TRACE_RA: "1", OCF_TRACE_FILE: "/dev/stderr" }, undefined],
  ];
  for (const [name, env, want] of rows) t.equal(traceFileOf(env, "XenDomain", "vm1-rsc", "start", at), want, name);
  t.equal(traceFileOf({ OCF_TRACE_RA: "1", HA_VARLIB: "/v" }, "XenDomain", "../x y", "stop", at), "/v/trace_ra/XenDomain/.._x_y.stop.2026-11-25.03:04:05", "an instance name cannot leave the directory");
});

t.test("a traced start and monitor write every toolstack call to the trace file; untraced, none", async (t) => {
  const r = simResource();
  t.teardown(r.dispose);
  const dir = mkdtempSync(join(tmpdir(), "trace-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const traced = { OCF_RESKEY_trace_ra: "1", OCF_RESKEY_trace_dir: dir };

  const start = await r.run("start", traced);
  t.equal(start.code, 0, start.stderr);
  const monitor = await r.run("monitor", { ...traced, OCF_RESKEY_CRM_meta_interval: "10000" });
  t.equal(monitor.code, 0);
  const files = readdirSync(join(dir, "XenDomain")).sort();
  t.equal(files.length, 2, `one trace per action: ${files.join(", ")}`);
  const startTrace = readFileSync(join(dir, "XenDomain", files.find((f) => f.includes(".start."))!), "utf8");
  t.match(startTrace, /DEBUG: exec: xl create \S*vm1\.cfg .*-> exit 0 in \d+ ms/, "the create, with its outcome");
  t.match(startTrace, /DEBUG: start finished rc=Success/);
  const monitorTrace = readFileSync(join(dir, "XenDomain", files.find((f) => f.includes(".monitor."))!), "utf8");
  t.match(monitorTrace, /DEBUG: exec: xl list .*-> exit 0/);

  const quiet = await r.run("monitor", { OCF_RESKEY_CRM_meta_interval: "10000" });
  t.equal(quiet.code, 0);
  t.notMatch(quiet.stderr, /exec:/, "without tracing, no command lines");
  t.equal(readdirSync(join(dir, "XenDomain")).length, 2);

  const failing = await r.run("stop", { ...traced, OCF_TRACE_FILE: join(dir, "stop.trace"), PATH: "/nonexistent" });
  t.ok(existsSync(join(dir, "stop.trace")), "a named trace file");
  t.equal(failing.code, 5, "no toolstack on a dom0: stop fails as not installed, never 'stopped'");
});
