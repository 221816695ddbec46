/**
 * tap loads its process-info hook into every child Node through NODE_OPTIONS,
 * and runCommand cannot remove an inherited variable (it extends the parent's
 * environment). Installed agents started by ocf-tester, crm_resource or su
 * must run as they would under the cluster, so those calls go through
 * `env -u`, which drops the variables before anything else starts.
 */
const TAP_INJECTED = ["NODE_OPTIONS", "NODE_PATH"];

export function outsideTap(file: string, args: readonly string[]): { file: string; args: string[] } {
  return { file: "env", args: [...TAP_INJECTED.flatMap((name) => ["-u", name]), file, ...args] };
}
