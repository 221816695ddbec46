import { accessSync, constants, statSync } from "node:fs";
import type { ParamValues } from "../../lib/ocf/params.ts";
import { splitList } from "../../lib/ocf/checks.ts";
import type { FenceAgentDocs } from "../../lib/fence/fence-metadata.ts";
import { fenceXenLetters, fenceXenParams, type XenDeviceParams } from "./params.ts";
import type { RunningDelays } from "./running-delay.ts";

/**
 * fence_xen: fences Xen domains that are cluster nodes (guest clusters, or a
 * guest paired with a host) by destroying them through the toolstack of every
 * dom0 that may host them. The descriptive half lives here, for meta-data,
 * the installer and the CIB checks; main.ts adds the real device.
 */
export const fenceXenDocs = {
  name: "fence_xen",
  shortdesc: "Fence agent for Xen domains (xl or xm, on this host or over ssh)",
  longdesc:
    "fence_xen fences a Xen domain that is a cluster node by destroying it with the toolstack (xl or xm) of every " +
    "dom0 that may run it, locally or over ssh with a key. A domain is off only when every dom0 says it does not " +
    "exist, under its own name or the names it carries while migrating; a dom0 that does not answer makes fencing " +
    "fail instead of guessing. Optionally it saves a crash dump first, and records the fence in the XenDomain lease " +
    "directory so that another host may take the domain's lease at once.",
  vendorUrl: "https://xenproject.org",
  params: fenceXenParams,
  letters: fenceXenLetters,
} satisfies FenceAgentDocs;

/** Checks across parameters, and of the local files they name; nothing is changed. */
export function validateFenceXen(values: ParamValues<XenDeviceParams>): string[] {
  const problems: string[] = [];
  if (values.identity_file !== undefined) {
    try {
      accessSync(values.identity_file, constants.R_OK);
      // ssh would block reading a FIFO, or read a device without end, until the call's timeout
      if (!statSync(values.identity_file).isFile()) problems.push(`identity_file: ${values.identity_file} is not a regular file`);
    } catch (error) {
      problems.push(`identity_file: cannot read ${values.identity_file} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }
  const listed = new Set(splitList(values.dom0_list) ?? []);
  for (const entry of splitList(values.dom0_node_map ?? "") ?? []) {
    const dom0 = entry.split("=")[0] ?? "";
    if (!listed.has(dom0)) problems.push(`dom0_node_map: ${JSON.stringify(dom0)} is not in dom0_list`);
  }
  // an absolute ssh_path must be a program (a FIFO, a device or a directory fails every ssh call); a bare name is found on PATH by the spawn
  if (values.ssh_path.startsWith("/")) {
    try {
      accessSync(values.ssh_path, constants.X_OK);
      if (!statSync(values.ssh_path).isFile()) problems.push(`ssh_path: ${values.ssh_path} is not an executable file`);
    } catch (error) {
      problems.push(`ssh_path: ${values.ssh_path} is not an executable file (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }
  return problems;
}

/**
 * The longest one action may take: the delays (delay, and the longest
 * delay_if_running), two rounds of toolstack calls
 * (look, then destroy), the wait for the domain to vanish, and the dump.
 * Pacemaker kills a fence agent at pcmk_<action>_timeout (default: stonith-timeout, 60 s).
 */
export const fenceXenBudgetMs = (
  values: ParamValues<XenDeviceParams> & { readonly delay: number; readonly power_timeout: number; readonly delay_if_running?: RunningDelays | undefined },
): number =>
  1000 *
  (values.delay +
    (values.delay_if_running?.maxSeconds ?? 0) +
    values.power_timeout +
    // look, destroy; and with delay_if_running, the look again after the wait
    (values.delay_if_running?.maxSeconds ? 3 : 2) * (values.login_timeout + values.shell_timeout) +
    (values.dump_core ? values.dump_timeout : 0));
