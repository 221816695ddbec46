import t from "tap";
import { defineAgent } from "../../../lib/ocf/define-agent.ts";
import { notInstalled, OcfError, OcfExit, type OcfExitCode } from "../../../lib/ocf/exit-code.ts";
import { param } from "../../../lib/ocf/params.ts";
import { runAgent } from "../../../lib/ocf/run-agent.ts";
import { captureIo } from "../../support/capture-io.ts";

/** A toy agent whose handlers do what the test's `behaviour` parameter says. */
const behaviours: Record<string, () => Promise<OcfExitCode>> = {
  ok: async () => OcfExit.Success,
  degraded: async () => OcfExit.Degraded,
  missing: async () => {
    throw notInstalled("cannot run xl: ENOENT");
  },
  refuse: async () => {
    throw new OcfError(OcfExit.ErrGeneric, "xl list vm1: exit 1: cannot init xl context");
  },
  bug: async () => {
    throw new TypeError("undefined is not a function");
  },
};
const ok = async (): Promise<OcfExitCode> => OcfExit.Success;
const run = async (ctx: { params: { behaviour: string } }) => behaviours[ctx.params.behaviour]!();
const toy = defineAgent({
  name: "Toy",
  version: "1.0",
  shortdesc: "toy",
  longdesc: "toy agent",
  params: {
    behaviour: param.string({ required: true, shortdesc: "what handlers do" }),
    count: param.integer()({ shortdesc: "a number" }),
  },
  actions: { start: { timeout: "20s", run }, stop: { timeout: "20s", run }, monitor: { timeout: "20s", run } },
});

async function call(action: string | undefined, env: Record<string, string>) {
  const { io, out } = captureIo(action === undefined ? [] : [action], env);
  const result = await runAgent(toy, io, () => ({}));
  const reasons = out.stderr.split("\n").filter((line) => line.startsWith("ocf-exit-reason:"));
  return { code: result.code, stdout: out.stdout, reasons };
}

const pacemaker = { OCF_RA_VERSION_MINOR: "1", OCF_RESKEY_CRM_meta_timeout: "20000" };
const scenarios: readonly { name: string; action?: string; env: Record<string, string>; code: number; reason?: string }[] = [
  { name: "meta-data needs no parameters", action: "meta-data", env: {}, code: 0 },
  { name: "an unknown action is unimplemented", action: "frobnicate", env: { OCF_RESKEY_behaviour: "ok" }, code: 3, reason: "'frobnicate' is not implemented" },
  { name: "no action at all is an argument error", env: {}, code: 2, reason: "no action given" },
  { name: "undecodable parameters are a configuration error naming each", action: "start", env: { OCF_RESKEY_count: "x" }, code: 6, reason: "behaviour: required parameter is not set; count: 'x' is not a whole number" },
  { name: "an OcfError becomes its code and one exit reason", action: "monitor", env: { OCF_RESKEY_behaviour: "refuse" }, code: 1, reason: "xl list vm1: exit 1: cannot init xl context" },
  // "not installed" is never turned into "stopped" by the run loop: only the agent's own evidence can say
  // nothing runs (agents/xen-domain/evidence.ts), so a stop or a probe without xl is 5, not 0 or 7
  { name: "missing software: stop cannot say nothing runs", action: "stop", env: { OCF_RESKEY_behaviour: "missing" }, code: 5, reason: "cannot run xl: ENOENT" },
  { name: "missing software: a probe cannot say nothing runs", action: "monitor", env: { OCF_RESKEY_behaviour: "missing", OCF_RESKEY_CRM_meta_interval: "0" }, code: 5, reason: "cannot run xl: ENOENT" },
  { name: "missing software: a recurring monitor is an error", action: "monitor", env: { OCF_RESKEY_behaviour: "missing", OCF_RESKEY_CRM_meta_interval: "10000" }, code: 5, reason: "cannot run xl: ENOENT" },
  { name: "missing software: start cannot start", action: "start", env: { OCF_RESKEY_behaviour: "missing" }, code: 5, reason: "cannot run xl: ENOENT" },
  { name: "a bug is a generic error, never a guess", action: "monitor", env: { OCF_RESKEY_behaviour: "bug" }, code: 1, reason: "internal error (see log)" },
  { name: "degraded reaches a Pacemaker 2.1 caller", action: "monitor", env: { ...pacemaker, OCF_RESKEY_behaviour: "degraded" }, code: 190 },
  { name: "degraded is a failure for the legacy lrmd (it maps codes above 9 to 1)", action: "monitor", env: { OCF_RA_VERSION_MINOR: "0", OCF_RESKEY_behaviour: "degraded" }, code: 1 },
  { name: "status is monitor's legacy name", action: "status", env: { OCF_RESKEY_behaviour: "ok" }, code: 0 },
];

for (const s of scenarios) {
  t.test(s.name, async (t) => {
    const result = await call(s.action, s.env);
    t.equal(result.code, s.code, "exit code");
    if (s.reason) t.same(result.reasons, [`ocf-exit-reason:${s.reason}`], "exactly one exit reason");
    else t.same(result.reasons, [], "no exit reason");
  });
}

t.test("the exit reason uses the prefix Pacemaker exports", async (t) => {
  const { io, out } = captureIo(["monitor"], { OCF_RESKEY_behaviour: "refuse", OCF_EXIT_REASON_PREFIX: "why:" });
  await runAgent(toy, io, () => ({}));
  t.match(out.stderr, /^why:xl list vm1/m);
});

t.test("a reloadable parameter without reload-agent is refused when the agent is defined", async (t) => {
  t.throws(() =>
    defineAgent({
      name: "Bad", version: "1", shortdesc: "", longdesc: "",
      params: { x: param.string({ shortdesc: "x", reloadable: true }) },
      actions: { start: { timeout: "1s", run: ok }, stop: { timeout: "1s", run: ok }, monitor: { timeout: "1s", run: ok } },
    }),
  /need a reload-agent action/);
});
