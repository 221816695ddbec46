import { runLoop } from "../protocol/run-loop.ts";
import type { ProcessIo } from "../protocol/process-io.ts";
import { readOcfContext, type OcfContext } from "./context.ts";
import type { Deadline } from "./deadline.ts";
import { toMs, type ActionName, type AgentDefinition, type AgentDocs } from "./define-agent.ts";
import { exitCodeName, OcfError, OcfExit, type OcfExitCode } from "./exit-code.ts";
import type { Logger } from "./logger.ts";
import { traceFileOf } from "./trace.ts";
import { renderMetadata } from "./metadata.ts";
import { decodeParams, describeParams, type Params, type ParamValues } from "./params.ts";

/** Everything an agent touches of its process: only bin/ builds the real one. */
export type AgentIo = ProcessIo;

export interface DepsInput<P extends Params> {
  readonly params: ParamValues<P>;
  readonly ocf: OcfContext;
  readonly log: Logger;
  readonly deadline: Deadline;
}

export interface AgentRun {
  readonly code: OcfExitCode;
}

/** `status` is the Heartbeat-era name of monitor; both run the monitor handler. */
const HANDLER_OF: Readonly<Record<string, ActionName>> = { status: "monitor" };

/** 190/191 mean nothing to a pre-1.1 caller (the legacy lrmd maps every code above 9 to 1). */
function forCaller(code: OcfExitCode, ocf: OcfContext, log: Logger): OcfExitCode {
  if (ocf.understandsDegraded) return code;
  if (code === OcfExit.Degraded || code === OcfExit.DegradedPromoted) {
    log.debug(`caller does not understand degraded codes; reporting ${code} as a failure`);
    return code === OcfExit.Degraded ? OcfExit.ErrGeneric : OcfExit.FailedPromoted;
  }
  return code;
}

export function usageText(agent: AgentDocs): string {
  const actions = [...new Set(agent.advertised.map((a) => a.name)), "status", "usage", "methods"];
  return `usage: ${agent.name} {${actions.join("|")}}\n\n${agent.shortdesc}\n\nParameters (as OCF_RESKEY_<name>):\n${describeParams(agent.params)}`;
}

/**
 * The one place where actions, exit codes, exit reasons and exceptions meet.
 * Order (resource-agents' developer guide): meta-data and usage need nothing;
 * an unknown action is 3; undecodable parameters are 6; then the handler.
 */
export async function runAgent<P extends Params, D>(
  agent: AgentDefinition<P, D>,
  io: AgentIo,
  makeDeps: (input: DepsInput<P>) => D | Promise<D>,
): Promise<AgentRun> {
  const action = io.argv[0] ?? "";
  if (action === "meta-data") {
    const minor = Number(io.env["OCF_RA_VERSION_MINOR"] ?? "0");
    io.stdout(renderMetadata(agent, minor >= 1 ? "1.1" : "1.0"));
    return { code: OcfExit.Success };
  }
  if (action === "usage" || action === "help" || action === "--help") {
    io.stdout(usageText(agent));
    return { code: OcfExit.Success };
  }
  if (action === "methods") {
    io.stdout(`${[...new Set(agent.advertised.map((a) => a.name)), "status", "usage", "methods"].join("\n")}\n`);
    return { code: OcfExit.Success };
  }

  const ocf = readOcfContext(io.env, action);
  const traceFile = traceFileOf(io.env, ocf.resourceType ?? agent.name, ocf.instance, action);
  const exitWith = (error: OcfError): OcfExitCode => {
    // Pacemaker keeps the last stderr line with this prefix as the exit reason.
    io.stderr(`${ocf.exitReasonPrefix}${error.message}\n`);
    return error.exitCode;
  };
  const protocol = {
    log: { tag: `${agent.name}(${ocf.instance})`, traceFile },
    fail: (error: OcfError, log: Logger) => {
      log.error(error.message);
      return exitWith(error);
    },
  };

  const code = await runLoop(io, protocol, async (scope): Promise<OcfExitCode> => {
    const log = scope.log;
    const handlerName = HANDLER_OF[action] ?? (action as ActionName);
    const entry = action === "" ? undefined : agent.actions[handlerName];
    if (!entry) {
      if (action === "") io.stderr(usageText(agent));
      const code = action === "" ? OcfExit.ErrArgs : OcfExit.ErrUnimplemented;
      return exitWith(new OcfError(code, action === "" ? "no action given" : `'${action}' is not implemented`));
    }

    const decoded = decodeParams(agent.params, io.env);
    if (!decoded.ok) {
      for (const problem of decoded.problems) log.error(problem);
      return exitWith(new OcfError(OcfExit.ErrConfigured, decoded.problems.join("; ")));
    }

    const deadline = scope.deadline(ocf.timeoutMs ?? toMs(entry.timeout));
    // An OcfError thrown here is reported by the run loop with its code, as it is: whether a
    // failure may still mean "stopped" is the agent's to judge (XenDomain: agents/xen-domain/evidence.ts).
    const deps = await makeDeps({ params: decoded.values, ocf, log, deadline });
    const code = forCaller(await entry.run({ params: decoded.values, ocf, log, deadline, deps }), ocf, log);
    log.debug(`${action} finished`, { rc: exitCodeName(code), ms: deadline.elapsedMs() });
    return code;
  });
  return { code };
}
