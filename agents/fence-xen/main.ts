import type { ProcessIo } from "../../lib/protocol/process-io.ts";
import { runFenceAgent } from "../../lib/fence/run-fence-agent.ts";
import type { FenceExitCode } from "../../lib/fence/power-actions.ts";
import { fenceXenBudgetMs, fenceXenDocs, validateFenceXen } from "./agent.ts";
import { xenDevice, type FenceXenDeps } from "./device.ts";

/** Composition root of fence_xen: the fence protocol in front of the Xen device. */
export function fenceXenMain(io: ProcessIo, deps: FenceXenDeps): Promise<FenceExitCode> {
  return runFenceAgent(
    {
      ...fenceXenDocs,
      validate: validateFenceXen,
      budgetMs: fenceXenBudgetMs,
      sleep: deps.sleep,
      // only an off (a reboot's too) waits for a silent dom0 to answer or be fenced by its cluster
      device: ({ values, log, deadline, env, action }) =>
        xenDevice(
          values,
          { log, deadline, env, silentWaitMs: action === "off" || action === "reboot" ? values.power_timeout * 1000 : 0, runningDelays: values.delay_if_running },
          deps,
        ),
    },
    io,
  );
}
