import type { Deadline } from "../ocf/deadline.ts";
import type { OcfError } from "../ocf/exit-code.ts";
import type { Logger } from "../ocf/logger.ts";
import type { ProcessIo } from "../protocol/process-io.ts";
import { runLoop } from "../protocol/run-loop.ts";
import { renderParam } from "../ocf/metadata.ts";
import { decodeValues, type Param, type Params, type ParamValues } from "../ocf/params.ts";
import { xml } from "../xml/xml.ts";
import { FenceExit, runPowerAction, type PowerDevice } from "../fence/power-actions.ts";

/**
 * The cluster-glue external stonith plugin protocol (doc/ocf.md §3.1):
 * `<plugin> <op> [node]`, configuration in environment variables named by
 * `getconfignames`, exit 0 for success. The Heartbeat-era stonithd calls it
 * directly; Pacemaker calls it through fence_legacy and the `stonith` command.
 * The power operations go through the same state machine as a fence agent's,
 * so `off` is verified the same way; only `status` differs: it asks whether
 * the device answers, not whether a node is on.
 */
/** The power-timing parameters every plugin declares, with the fence agent's names and types. */
type TimingParams = {
  readonly delay: Param<number>;
  readonly power_timeout: Param<number>;
  readonly power_wait: Param<number>;
  readonly retry_on: Param<number>;
  readonly missing_as_off: Param<boolean>;
};

export interface PluginDefinition<P extends TimingParams & Params> {
  /** As stonith -t names it, without "external/". */
  readonly name: string;
  readonly devid: string;
  readonly devname: string;
  readonly devdescr: string;
  readonly devurl: string;
  readonly params: P;
  /** The nodes this device can fence (gethosts). */
  readonly hosts: (values: ParamValues<P>) => readonly string[];
  /** The device's plug for a node, or undefined when the device does not fence that node. */
  readonly plugOf: (values: ParamValues<P>, node: string) => string | undefined;
  /** Whether the device's list shows this plug as written (a Xen UUID is looked up, never listed). */
  readonly listable: (plug: string) => boolean;
  readonly validate: (values: ParamValues<P>) => readonly string[];
  readonly budgetMs: (values: ParamValues<P>) => number;
  /** The device for one operation: `status` (does the device answer) or a power action. */
  readonly device: (values: ParamValues<P>, context: { log: Logger; deadline: Deadline; env: ProcessIo["env"]; op: "status" | PowerOp }) => PowerDevice;
  readonly sleep: (ms: number) => Promise<void>;
}

const POWER_OPS = { on: "on", off: "off", reset: "reboot" } as const;
type PowerOp = (typeof POWER_OPS)[keyof typeof POWER_OPS];

/** getinfo-xml: a <parameters> block in OCF 1.0 form, which `stonith -m` wraps into meta-data. */
export function pluginParametersXml(params: Params): string {
  const parameters = Object.entries(params).map(([name, p]) => renderParam(name, p, "1.0"));
  return xml`<parameters>\n${parameters}</parameters>\n`.text;
}

export async function runStonithPlugin<P extends TimingParams & Params>(
  plugin: PluginDefinition<P>,
  io: ProcessIo,
): Promise<number> {
  const [op = "", node] = io.argv;
  const say = (text: string) => {
    io.stdout(`${text}\n`);
    return 0;
  };
  switch (op) {
    case "getconfignames":
      return say(Object.keys(plugin.params).join(" "));
    case "getinfo-devid":
      return say(plugin.devid);
    case "getinfo-devname":
      return say(plugin.devname);
    case "getinfo-devdescr":
      return say(plugin.devdescr);
    case "getinfo-devurl":
      return say(plugin.devurl);
    case "getinfo-xml":
      io.stdout(pluginParametersXml(plugin.params));
      return 0;
  }

  // cluster-glue reads only the exit code; the reason goes to the log (stderr, log files, syslog).
  const protocol = {
    log: { tag: `external/${plugin.name}` },
    fail: (error: OcfError, log: Logger) => {
      log.error(`${op} ${node ?? ""}: ${error.message}`);
      return 1;
    },
  };
  return runLoop(io, protocol, async ({ log, deadline: deadlineOf }) => {
    const decoded = decodeValues(plugin.params, (name) => io.env[name]);
    const problems = decoded.ok ? plugin.validate(decoded.values) : decoded.problems;
    if (!decoded.ok || problems.length > 0) {
      for (const problem of problems) log.error(problem);
      return 1;
    }
    const values = decoded.values;
    if (op === "gethosts") return say(plugin.hosts(values).join("\n"));

    if (op === "status") {
      // The device answers when its list is complete; a configured plug missing from it is named
      // now, so that a typo in hostlist shows before a fence needs it (off and reset would fail on
      // it). Only a warning: a node that is down is not listed either.
      const device = plugin.device(values, { log, deadline: deadlineOf(plugin.budgetMs(values)), env: io.env, op: "status" });
      const listed = new Set((await device.list()).map((p) => p.plug));
      for (const host of plugin.hosts(values)) {
        const plug = plugin.plugOf(values, host);
        if (plug !== undefined && plugin.listable(plug) && !listed.has(plug)) {
          log.warn(`${host}: the device does not list ${plug} (mistyped in hostlist, or not running)`);
        }
      }
      return 0;
    }
    const action = POWER_OPS[op as keyof typeof POWER_OPS];
    if (action === undefined) {
      log.error(`unknown operation '${op}'`);
      return 1;
    }
    const plug = plugin.plugOf(values, node ?? "");
    if (plug === undefined) {
      log.error(`${op}: '${node ?? ""}' is not a node of this device (hostlist: ${plugin.hosts(values).join(" ")})`);
      return 1;
    }
    const timing = values as ParamValues<TimingParams>; // P extends TimingParams
    const deadline = deadlineOf(plugin.budgetMs(values));
    const outcome = await runPowerAction(action, plug, plugin.device(values, { log, deadline, env: io.env, op: action }), {
      delayMs: timing.delay * 1000,
      powerTimeoutMs: timing.power_timeout * 1000,
      powerWaitMs: timing.power_wait * 1000,
      retryOn: timing.retry_on,
      missingAsOff: timing.missing_as_off,
      separator: ",",
      deadline,
      sleep: plugin.sleep,
      log,
    });
    for (const line of outcome.lines) log.info(line);
    return outcome.code === FenceExit.Ok ? 0 : 1;
  });
}
