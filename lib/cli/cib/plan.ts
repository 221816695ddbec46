import { planCib } from "../../cib/plan/plan.ts";
import { formatPlan } from "../../cib/plan/plan-report.ts";
import { CliError, CliExit, type CliIo } from "../io.ts";
import { readCibFile } from "./files.ts";
import type { TimeoutOptions } from "./tools.ts";

export interface PlanCommandOptions extends TimeoutOptions {
  readonly failures?: string;
  readonly protectedPriority?: string;
  readonly confirm?: boolean;
}

const wholeNumber = (text: string | undefined, what: string, min: number, max: number): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new CliError(CliExit.Usage, `${what} '${text}' must be a whole number from ${min} to ${max}`);
  return value;
};

/** `xen-ha cib plan <file>`; crm_simulate and its runner load only for --confirm. */
export async function planCommand(io: CliIo, file: string, options: PlanCommandOptions): Promise<void> {
  const { text: cibText, cib: parsed } = await readCibFile(io, file);
  const failures = wholeNumber(options.failures, "--failures", 0, Math.max(0, parsed.nodes.length - 1));
  const protectedPriority = wholeNumber(options.protectedPriority, "--protected-priority", -1_000_000, 1_000_000);
  const report = planCib(parsed, { ...(failures !== undefined ? { failures } : {}), ...(protectedPriority !== undefined ? { protectedPriority } : {}) });
  io.stdout(formatPlan(report));
  const broken = report.cases.filter((c) => c.lost.length > 0).length;
  if (options.confirm) {
    const [{ confirmPlan, formatConfirmation }, { withTools }] = await Promise.all([import("../../cib/plan/confirm.ts"), import("./tools.ts")]);
    const confirmed = await withTools(io, options.timeout, (context) => confirmPlan(context, cibText, report));
    if (!confirmed.ok) throw new CliError(confirmed.unavailable ? CliExit.Unavailable : CliExit.Problems, `--confirm: ${confirmed.message}`);
    io.stdout(formatConfirmation(confirmed));
    const unsafe = confirmed.sets.filter((set) => set.unsafe.length > 0).length;
    if (unsafe > 0) throw new CliError(CliExit.Problems, `crm_simulate contradicts the plan on a safety point in ${unsafe} of ${confirmed.sets.length} replayed failure set${confirmed.sets.length === 1 ? "" : "s"}`);
  }
  if (broken > 0) throw new CliError(CliExit.Problems, `${broken} of ${report.cases.length} failure sets leave protected domains stopped`);
}
