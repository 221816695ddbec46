import { describeFailure } from "../../lib/exec/command.ts";
import type { DomainSettings } from "../../lib/toolstack/domain-settings.ts";
import type { DomainRow } from "../../lib/toolstack/toolstack.ts";
import type { XenContext } from "./deps.ts";
import { readRecord, updateRecord } from "./record.ts";

/** crm_resource usually answers in well under a second; it must never eat the monitor's budget. */
const CRM_RESOURCE_CAP_MS = 10_000;

/**
 * autoset_utilization_cpu / _hv_memory: keep the resource's utilization equal
 * to the domain's VCPUs and its maximum memory (maxmem from the config, else
 * the current Mem column). crm_resource is called only when a value differs
 * from the one last written (remembered in the resource record), so a
 * steady monitor costs nothing. Failures are logged; they never fail a monitor.
 */
export async function autosetUtilization(
  ctx: XenContext,
  domain: DomainRow,
  settings: DomainSettings | undefined,
  recordFile: string,
): Promise<void> {
  const wanted: Record<string, string> = {};
  if (ctx.params.autoset_utilization_cpu) wanted["cpu"] = String(domain.vcpus);
  if (ctx.params.autoset_utilization_hv_memory) wanted["hv_memory"] = String(settings?.maxMemoryMiB ?? domain.memoryMiB);
  const written = { ...readRecord(recordFile).utilization };
  // A clone instance is "rsc:1"; utilization belongs to the primitive "rsc".
  const resource = ctx.ocf.instance.replace(/:\d+$/, "");
  for (const [attribute, value] of Object.entries(wanted)) {
    if (written[attribute] === value) continue;
    const result = await ctx.deps.run("crm_resource", ["-r", resource, "-z", "-p", attribute, "-v", value], {
      timeoutMs: ctx.deadline.callTimeoutMs(CRM_RESOURCE_CAP_MS),
      env: ctx.deps.env,
    });
    if (result.exitCode === 0) {
      ctx.log.info(`utilization ${attribute} set to ${value}`);
      written[attribute] = value;
    } else {
      ctx.log.warn(`cannot set utilization ${attribute}=${value}: ${describeFailure(result)}`);
    }
  }
  updateRecord(recordFile, { utilization: written }, ctx.log);
}
