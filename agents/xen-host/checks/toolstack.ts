import { OcfError } from "../../../lib/ocf/exit-code.ts";
import { selectToolstack } from "../../../lib/toolstack/select.ts";
import { checkTimeoutMs, type XenHostContext } from "../deps.ts";
import { green, red, yellow, type Finding } from "../health.ts";

export interface ToolstackReport {
  readonly findings: readonly Finding[];
  /** Xen's free memory (xl info free_memory), when the toolstack answered. */
  readonly freeMemoryMiB: number | undefined;
  /** How long `xl info` took, when it answered. */
  readonly latencyMs: number | undefined;
  /** The domains running here (`xl list`, own names), asked only for the CIB reserve. */
  readonly runningHere: ReadonlySet<string> | undefined;
}

/**
 * `xl info` (or `xm info`) within toolstack_timeout: it needs the hypervisor
 * (libxl asks Xen for the physical info) and xenstored (libxl_ctx_alloc
 * connects to it), so one call answers "can this host run domains now". Its
 * free_memory is checked against memory_reserve.
 */
export async function checkToolstack(ctx: XenHostContext): Promise<ToolstackReport> {
  const { params, deps } = ctx;
  const limitMs = checkTimeoutMs(ctx, params.toolstack_timeout * 1000);
  const started = deps.now();
  try {
    const toolstack = selectToolstack({
      preference: params.toolstack,
      pretendMissing: ctx.ocf.failHaveBinary,
      run: deps.run,
      env: deps.env,
      callTimeoutMs: (capMs) => Math.min(capMs, limitMs),
    });
    const info = await toolstack.hostInfo();
    const latencyMs = Math.round(deps.now() - started);
    const answered =
      latencyMs > params.toolstack_latency_yellow
        ? yellow("toolstack", `${toolstack.name} info took ${latencyMs} ms (more than ${params.toolstack_latency_yellow} ms)`)
        : green("toolstack", `${toolstack.name} info answered in ${latencyMs} ms`);
    const free = info.freeMemoryMiB;
    const memory =
      params.memory_reserve === 0
        ? []
        : [
            free < params.memory_reserve
              ? red("memory", `Xen has ${free} MiB free, less than the ${params.memory_reserve} MiB reserve`)
              : green("memory", `Xen has ${free} MiB free (reserve ${params.memory_reserve} MiB)`),
          ];
    // a domain arriving by migration (NAME--incoming) already holds its memory here
    const runningHere = params.reserve_from_cib
      ? new Set((await toolstack.list()).flatMap((row) => (row.domid === 0 || row.name === undefined ? [] : [toolstack.ownName(row.name)])))
      : undefined;
    return { findings: [answered, ...memory], freeMemoryMiB: free, latencyMs, runningHere };
  } catch (error) {
    if (!(error instanceof OcfError)) throw error;
    // not installed, hung, failing or talking nonsense: this host cannot manage domains now
    return { findings: [red("toolstack", error.message)], freeMemoryMiB: undefined, latencyMs: undefined, runningHere: undefined };
  }
}
