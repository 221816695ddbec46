import { runFenceAgent, type FenceIo } from "../../lib/fence/run-fence-agent.ts";
import type { FenceExitCode } from "../../lib/fence/power-actions.ts";
import { fenceXenBudgetMs, fenceXenDocs, validateFenceXen } from "./agent.ts";
import { xenDevice, type FenceXenDeps } from "./device.ts";

/** Composition root of fence_xen: the fence protocol in front of the Xen device. */
export function fenceXenMain(io: FenceIo, deps: FenceXenDeps): Promise<FenceExitCode> {
  return runFenceAgent(
    {
      ...fenceXenDocs,
      validate: validateFenceXen,
      budgetMs: fenceXenBudgetMs,
      sleep: deps.sleep,
      device: ({ values, log, deadline, env }) => xenDevice(values, { log, deadline, env }, deps),
    },
    io,
  );
}
