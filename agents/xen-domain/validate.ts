import { notInstalled, OcfExit, type OcfExitCode } from "../../lib/ocf/exit-code.ts";
import { findOnPath } from "../../lib/toolstack/select.ts";
import type { XenContext } from "./deps.ts";
import type { DomainSettings } from "../../lib/toolstack/domain-settings.ts";
import { resolveResource, type Resource } from "./domain-config.ts";
import { isDirectory, validateMigration } from "./migrate/validate.ts";
import { monitorScripts } from "./monitor-scripts.ts";

/** A healthy file system answers in milliseconds; a script path that takes longer is not usable now. */
const SCRIPT_CHECK_CAP_MS = 2_000;

/**
 * A script is run as its own program: a path (a user's, perhaps on an NFS
 * export: checked in children, lib/exec/read-user-file.ts), or a name looked
 * up on the agent's PATH (as execvp does).
 */
async function scriptProblem(ctx: XenContext, script: string): Promise<string | undefined> {
  const missing = `monitor_scripts: '${script}' is not an executable file on this host`;
  if (!script.includes("/")) return findOnPath(script, ctx.deps.env["PATH"]) === undefined ? missing : undefined;
  const found = await ctx.deps.isExecutableUserFile(script, ctx.deadline.callTimeoutMs(SCRIPT_CHECK_CAP_MS));
  if (found === "no answer") return `monitor_scripts: '${script}' did not answer within ${SCRIPT_CHECK_CAP_MS} ms (a network file system that does not respond?)`;
  return found ? undefined : missing;
}

/**
 * Everything validate-all refuses, as an OcfError: 5 when this host lacks
 * the toolstack, the config file, a monitor script, save_dir or lease_dir; 6 when the
 * configuration cannot work anywhere (no domain name, a config xl cannot
 * parse). Start makes the same checks before it creates anything.
 */
export async function checkResource(ctx: XenContext): Promise<Resource & { readonly settings: DomainSettings }> {
  const resource = await resolveResource(ctx, { config: "required" });
  for (const script of monitorScripts(ctx.params.monitor_scripts)) {
    const problem = await scriptProblem(ctx, script);
    if (problem) throw notInstalled(problem);
  }
  validateMigration(ctx, resource.toolstack.name);
  // a lease pool that is not mounted here (or something else in its place) would refuse every lease
  if (ctx.params.lease_dir !== undefined && !isDirectory(ctx.params.lease_dir)) throw notInstalled(`lease_dir ${ctx.params.lease_dir} is not a directory on this host`);
  return resource;
}

/** validate-all changes nothing: checkResource, then warnings for combinations that work but do not mean what they seem. */
export async function validate(ctx: XenContext): Promise<OcfExitCode> {
  const { params } = ctx;
  const { toolstack, name, settings } = await checkResource(ctx);
  if (params.force_stop && params.shutdown_acpi) ctx.log.warn("shutdown_acpi has no effect: force_stop destroys without a shutdown request");
  if (params.force_stop && params.shutdown_timeout !== undefined) ctx.log.warn("shutdown_timeout has no effect: force_stop destroys at once");
  if (params.name !== undefined && settings?.name !== undefined && params.name !== settings?.name) {
    ctx.log.warn(`name '${params.name}' overrides the name '${settings?.name}' in ${params.xmfile}`);
  }
  ctx.log.info(`configuration is valid: domain ${name}, toolstack ${toolstack.name}`);
  return OcfExit.Success;
}
