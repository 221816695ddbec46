import { setTimeout as sleep } from "node:timers/promises";
import { runCommand, type CommandRunner } from "../../lib/exec/command.ts";
import type { Deadline } from "../../lib/ocf/deadline.ts";
import type { Logger } from "../../lib/ocf/logger.ts";
import { traceCommands } from "../../lib/ocf/trace.ts";
import type { ParamValues } from "../../lib/ocf/params.ts";
import type { PowerDevice } from "../../lib/fence/power-actions.ts";
import { answeringPool, POOL_LOOK_CAP_MS, realLeaseFs, type LeaseFs } from "../../lib/lease/lease-fs.ts";
import { readUserFile } from "../../lib/exec/read-user-file.ts";
import { dom0sOf } from "../../lib/toolstack/dom0s.ts";
import { fenceLeaseNotes } from "./lease-notes.ts";
import { dom0Ssh, type XenDeviceParams } from "./params.ts";
import { xenPowerDevice } from "./xen-power.ts";
import { dom0NodeNames } from "./host-fences.ts";
import type { RunningDelays } from "./running-delay.ts";

/** What the composition roots plug in; tests replace any of it. */
export interface FenceXenDeps {
  readonly run: CommandRunner;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  readonly leaseFs: LeaseFs;
  /** Who fences, as written into fence records: e.g. fence_xen@node1. */
  readonly fencer: string;
}

export const realFenceXenDeps = (fencer: string): FenceXenDeps => ({
  run: runCommand,
  sleep: (ms) => sleep(ms),
  now: Date.now,
  leaseFs: realLeaseFs,
  fencer,
});

/**
 * What one operation asks of the device, the same for fence_xen and the
 * plugin: only an off (a reboot's too) waits, up to power_timeout, for a
 * silent dom0 to answer or be fenced by its cluster; delay_if_running as set.
 */
export const operationWaits = (
  operation: string,
  values: { readonly power_timeout: number; readonly delay_if_running?: RunningDelays | undefined },
): { readonly silentWaitMs: number; readonly runningDelays: RunningDelays | undefined } => ({
  silentWaitMs: operation === "off" || operation === "reboot" ? values.power_timeout * 1000 : 0,
  runningDelays: values.delay_if_running,
});

/** The one device behind both fence_xen and the external/xen-ha plugin. */
export function xenDevice(
  values: ParamValues<XenDeviceParams>,
  context: {
    readonly log: Logger;
    readonly deadline: Deadline;
    readonly env: Readonly<Record<string, string | undefined>>;
    /** How long an off may wait for a silent dom0 to answer or be fenced by its cluster (default 0: look once). */
    readonly silentWaitMs?: number;
    /** fence_xen's delay_if_running, when set. */
    readonly runningDelays?: RunningDelays | undefined;
  },
  deps: FenceXenDeps,
): PowerDevice {
  const { log, deadline, env } = context;
  const nodeOf = dom0NodeNames(values.dom0_node_map);
  return xenPowerDevice({
    // with --verbose every ssh and toolstack call is logged (argv only: secrets go on stdin)
    dom0s: dom0sOf(values.dom0_list, dom0Ssh.settingsOf(values), {
      tool: values.toolstack,
      run: traceCommands(deps.run, log),
      env,
      callTimeoutMs: deadline.callTimeoutMs,
    }),
    env,
    log,
    deadline,
    dump: values.dump_core ? { dir: values.dump_dir, timeoutMs: values.dump_timeout * 1000 } : undefined,
    configDir: values.config_dir,
    leaseNotes: values.lease_dir
      ? fenceLeaseNotes({
          // the real programs look at the pool, even when a test scripts the dom0s' conversation through deps.run
          fs: answeringPool(deps.leaseFs, values.lease_dir, (path, limits) => readUserFile(runCommand, path, { ...limits, env }), () => deadline.callTimeoutMs(POOL_LOOK_CAP_MS)),
          leaseDir: values.lease_dir,
          fencer: deps.fencer,
          now: deps.now,
          log,
        })
      : undefined,
    now: deps.now,
    sleep: deps.sleep,
    runningDelay: context.runningDelays && {
      secondsFor: context.runningDelays.secondsFor,
      caseVariantsOf: context.runningDelays.caseVariantsOf,
      // one more look and the destroy, each an ssh login and a command at most
      afterDelayMs: 2 * (values.login_timeout + values.shell_timeout) * 1000,
    },
    hostFences: values.dom0_fence_history
      ? { nodeOf: (dom0) => nodeOf(dom0.name), sinceMs: deps.now() - deadline.elapsedMs(), waitMs: context.silentWaitMs ?? 0 }
      : undefined,
  });
}
