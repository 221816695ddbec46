import t from "tap";
import { setTimeout as sleep } from "node:timers/promises";
import { genericError, OcfError, OcfExit } from "../../../lib/ocf/exit-code.ts";
import { param } from "../../../lib/ocf/params.ts";
import { FENCE_PROTOCOL_LETTERS, fenceProtocolParams } from "../../../lib/fence/fence-params.ts";
import { runFenceAgent } from "../../../lib/fence/run-fence-agent.ts";
import { runLoop, type RunScope } from "../../../lib/protocol/run-loop.ts";
import { captureIo } from "../../support/capture-io.ts";

/**
 * The run-loop skeleton the OCF agent, the fence agent and the stonith plugin
 * share: what every protocol gets the same way. A protocol here reports a
 * failure as "FAILED <message>" and exits 9.
 */
const protocol = {
  log: { tag: "toy" },
  fail: (error: OcfError, log: RunScope["log"]) => {
    log.error(`FAILED ${error.message}`);
    return 9;
  },
};

const rows: readonly {
  name: string;
  action: (scope: RunScope) => Promise<number>;
  env?: Record<string, string>;
  code: number;
  stderr?: RegExp;
  syslog: RegExp | undefined;
}[] = [
  {
    name: "an answer is the exit code; with HA_logfacility set, the action's lines go to syslog once",
    action: async ({ log }) => (log.info("hello"), 0),
    env: { HA_logfacility: "daemon" },
    code: 0,
    syslog: /^<30>hello$/,
  },
  {
    name: "an OcfError is the protocol's failure, and its lines are still sent",
    action: async () => {
      throw genericError("the dom0 did not answer");
    },
    env: { HA_logfacility: "local0" },
    code: 9,
    stderr: /ERROR: FAILED the dom0 did not answer/,
    syslog: /^<131>FAILED the dom0 did not answer$/,
  },
  {
    name: "a bug: its stack goes to the log, the caller sees 'internal error (see log)'",
    action: async () => {
      throw new TypeError("x is undefined");
    },
    env: { HA_logfacility: "daemon" },
    code: 9,
    stderr: /ERROR: TypeError: x is undefined\n\s+at [\s\S]*ERROR: FAILED internal error \(see log\)/,
    syslog: /^<27>TypeError: x is undefined/,
  },
  { name: "without HA_logfacility nothing goes to syslog", action: async ({ log }) => (log.info("quiet"), 0), code: 0, syslog: undefined },
  { name: "an action that logs nothing sends nothing", action: async () => 0, env: { HA_logfacility: "daemon" }, code: 0, syslog: undefined },
];

for (const row of rows) {
  t.test(row.name, async (t) => {
    const { io, out } = captureIo([], row.env ?? {});
    const code = await runLoop(io, protocol, row.action);
    t.equal(code, row.code);
    if (row.stderr) t.match(out.stderr, row.stderr);
    if (row.syslog) {
      t.equal(out.syslog.length, 1, "one batch");
      t.match(out.syslog[0]?.tag, /^toy\[\d+\]$/);
      t.match(out.syslog[0]?.lines[0], row.syslog);
    } else {
      t.same(out.syslog, [], "no batch");
    }
  });
}

t.test("the deadline counts from the start of the run (input read first counts too)", async (t) => {
  const { io } = captureIo([], {});
  await runLoop(io, protocol, async (scope) => {
    await sleep(120);
    const deadline = scope.deadline(20_000);
    t.ok(deadline.elapsedMs() >= 100, `elapsed ${deadline.elapsedMs()} ms at creation`);
    t.ok(deadline.remainingMs() <= 20_000 - 2_000 - 100, "the margin and the time already spent are taken off");
    return 0;
  });
});

t.test("a logger opened with settings known later is the one whose lines are sent", async (t) => {
  const { io, out } = captureIo([], { HA_logfacility: "daemon" });
  await runLoop(io, protocol, async (scope) => {
    const log = scope.openLog({ tag: "late", env: { HA_logfacility: "user" } });
    log.warn("from the late logger");
    t.throws(() => scope.openLog({ tag: "again" }), /already open/);
    return 0;
  });
  t.match(out.syslog, [{ tag: /^late\[\d+\]$/, lines: ["<12>from the late logger"] }]);
});

t.test("fence agent: a bug in the device is exit 1 with one 'Failed: internal error' line, and it reaches syslog", async (t) => {
  const params = { ...fenceProtocolParams, dom: param.string({ shortdesc: "unused" }) };
  const agent = {
    name: "fence_toy",
    shortdesc: "toy",
    longdesc: "toy",
    vendorUrl: "https://example.org",
    params,
    letters: FENCE_PROTOCOL_LETTERS,
    validate: () => [],
    budgetMs: () => 10_000,
    sleep: async () => {},
    device: () => ({
      status: async () => {
        throw new RangeError("index out of range");
      },
      powerOff: async () => {},
      powerOn: async () => {},
      list: async () => [],
      monitor: async () => {},
    }),
  };
  const { io, out } = captureIo([], { HA_logfacility: "daemon" }, "action=off\nport=vm1\n");
  const code = await runFenceAgent(agent, io);
  t.equal(code, 1);
  t.match(out.stderr, /fence_toy\[\d+\]: ERROR: Failed: internal error \(see log\)\n$/);
  t.match(out.syslog[0]?.lines.join("\n"), /<27>RangeError: index out of range[\s\S]*<27>Failed: internal error \(see log\)/);
});

t.test("OCF agent codes stay the protocol's own (ErrConfigured passes through the skeleton)", async (t) => {
  const { io } = captureIo([], {});
  const code = await runLoop(io, { log: { tag: "ocf" }, fail: (error: OcfError) => error.exitCode }, async () => {
    throw new OcfError(OcfExit.ErrConfigured, "bad");
  });
  t.equal(code, OcfExit.ErrConfigured);
});
