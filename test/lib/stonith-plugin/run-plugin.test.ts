import t from "tap";
import { param } from "../../../lib/ocf/params.ts";
import { fenceProtocolParams } from "../../../lib/fence/fence-params.ts";
import { genericError } from "../../../lib/ocf/exit-code.ts";
import { runStonithPlugin, type PluginDefinition } from "../../../lib/stonith-plugin/run-plugin.ts";
import type { PowerDevice } from "../../../lib/fence/power-actions.ts";
import { captureIo } from "../../support/capture-io.ts";

const params = {
  hostlist: param.string({ required: true, shortdesc: "Nodes" }),
  delay: fenceProtocolParams.delay,
  power_timeout: fenceProtocolParams.power_timeout,
  power_wait: fenceProtocolParams.power_wait,
  retry_on: fenceProtocolParams.retry_on,
  missing_as_off: fenceProtocolParams.missing_as_off,
};

/** A plugin over a device that records calls: n2 is off, "ghost" is unknown to it, "broken" cannot be reached, "buggy" hits a bug. */
function plugin(calls: string[]): PluginDefinition<typeof params> {
  const state = new Map([["n1", "on"], ["n2", "off"]]);
  const device: PowerDevice = {
    status: async (plug) => {
      calls.push(`status ${plug}`);
      if (plug === "broken") throw genericError("dom0 unreachable");
      if (plug === "buggy") throw new TypeError("cannot read properties of undefined");
      return (state.get(plug) ?? "missing") as "on" | "off" | "missing";
    },
    powerOff: async (plug) => void (calls.push(`off ${plug}`), state.set(plug, "off")),
    powerOn: async (plug) => void (calls.push(`on ${plug}`), state.set(plug, "on")),
    list: async () => (calls.push("list"), [{ plug: "n1", alias: "", state: "on" as const }, { plug: "n2", alias: "", state: "on" as const }]),
    monitor: async () => void calls.push("monitor"),
  };
  return {
    name: "test",
    devid: "test device",
    devname: "a test device",
    devdescr: "describes\nthe device",
    devurl: "https://example.org",
    params,
    hosts: (v) => v.hostlist.split(" "),
    plugOf: (v, node) => (v.hostlist.split(" ").includes(node) ? node : undefined),
    listable: (plug) => plug !== "buggy",
    validate: () => [],
    budgetMs: () => 10_000,
    device: () => device,
    sleep: async () => {},
  };
}

async function call(argv: string[], env: Record<string, string> = { hostlist: "n1 n2 ghost broken buggy" }) {
  const calls: string[] = [];
  const { io, out } = captureIo(argv, env);
  const code = await runStonithPlugin(plugin(calls), io);
  return { code, calls, stdout: out.stdout, stderr: out.stderr };
}

const rows: readonly { argv: string[]; env?: Record<string, string>; code: number; stdout?: string | RegExp; stderr?: RegExp; calls?: string[] }[] = [
  { argv: ["getconfignames"], code: 0, stdout: "hostlist delay power_timeout power_wait retry_on missing_as_off\n" },
  { argv: ["getinfo-devid"], code: 0, stdout: "test device\n" },
  { argv: ["getinfo-devname"], code: 0, stdout: "a test device\n" },
  { argv: ["getinfo-devdescr"], code: 0, stdout: "describes\nthe device\n" },
  { argv: ["getinfo-devurl"], code: 0, stdout: "https://example.org\n" },
  { argv: ["getinfo-xml"], code: 0, stdout: /^<parameters>\n<parameter name="hostlist" required="1" unique="0">[\s\S]*<\/parameters>\n$/ },
  { argv: ["gethosts"], code: 0, stdout: "n1\nn2\nghost\nbroken\nbuggy\n" },
  {
    argv: ["status"],
    code: 0,
    calls: ["list"],
    stderr: /WARN: ghost: the device does not list ghost \(mistyped in hostlist, or not running\)\n.*WARN: broken: /,
  },
  { argv: ["off", "n1"], code: 0, calls: ["status n1", "off n1", "status n1"] },
  { argv: ["off", "n2"], code: 0, calls: ["status n2"], stderr: /Success: Already OFF/ },
  { argv: ["reset", "n1"], code: 0, calls: ["status n1", "off n1", "status n1", "on n1", "status n1"] },
  { argv: ["on", "n2"], code: 0, calls: ["status n2", "on n2", "status n2"] },
  { argv: ["off", "broken"], code: 1, stderr: /off broken: dom0 unreachable/ },
  { argv: ["off", "ghost"], code: 1, stderr: /off ghost: ghost is not known to the device; check the plug, or set missing_as_off/, calls: ["status ghost"] },
  { argv: ["off", "ghost"], env: { hostlist: "ghost", missing_as_off: "1" }, code: 0, stderr: /Success: Already OFF/, calls: ["status ghost"] },
  { argv: ["off", "buggy"], code: 1, stderr: /TypeError: cannot read properties of undefined[\s\S]*off buggy: internal error \(see log\)/ },
  { argv: ["off", "n9"], code: 1, stderr: /'n9' is not a node of this device/, calls: [] },
  { argv: ["frob"], code: 1, stderr: /unknown operation 'frob'/ },
  { argv: ["gethosts"], env: {}, code: 1, stderr: /hostlist: required parameter is not set/ },
];

for (const row of rows) {
  t.test(`${row.argv.join(" ")}${row.env ? ` (${JSON.stringify(row.env)})` : ""}`, async (t) => {
    const result = await call(row.argv, row.env);
    t.equal(result.code, row.code, result.stderr);
    if (typeof row.stdout === "string") t.equal(result.stdout, row.stdout);
    else if (row.stdout) t.match(result.stdout, row.stdout);
    if (row.stderr) t.match(result.stderr, row.stderr);
    if (row.calls) t.same(result.calls, row.calls);
  });
}
