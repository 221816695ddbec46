import { OcfError, OcfExit } from "../../lib/ocf/exit-code.ts";
import type { ActionHandler } from "../../lib/ocf/define-agent.ts";
import type { XenDomainParams } from "./params.ts";

// Placeholder while the toolstack layer is written: every action refuses honestly.
const notYet: ActionHandler<XenDomainParams, unknown> = async () => {
  throw new OcfError(OcfExit.ErrUnimplemented, "not implemented yet");
};

export const actions = { start: notYet, stop: notYet, monitor: notYet, validate: notYet, reloadAgent: notYet };
