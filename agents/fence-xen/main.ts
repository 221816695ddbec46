import type { ProcessIo } from "../../lib/protocol/process-io.ts";
import { runFenceAgent } from "../../lib/fence/run-fence-agent.ts";
import type { FenceExitCode } from "../../lib/fence/power-actions.ts";
import { fenceXenBudgetMs, fenceXenDocs, validateFenceXen } from "./agent.ts";
import { operationWaits, xenDevice, type FenceXenDeps } from "./device.ts";

/** Composition root of fence_xen: the fence protocol in front of the Xen device. */
export function fenceXenMain(io: ProcessIo, deps: FenceXenDeps): Promise<FenceExitCode> {
  return runFenceAgent(
    {
      ...fenceXenDocs,
      validate: validateFenceXen,
      budgetMs: fenceXenBudgetMs,
      sleep: deps.sleep,
      device: ({ values, log, deadline, env, action }) => xenDevice(values, { log, deadline, env, ...operationWaits(action, values) }, deps),
    },
    io,
  );
}
