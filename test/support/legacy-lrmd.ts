import { legacyEnv, type Env } from "./run-agent-in-process.ts";

/**
 * The legacy Heartbeat LRM (cluster-glue's lrmd), as its OCF plugin
 * (lib/plugins/lrm/raexecocf.c) runs an agent: the OCF 1.0 variables of
 * legacyEnv, every instance parameter prefixed with OCF_RESKEY_ (an op's
 * OCF_CHECK_LEVEL included, hence OCF_RESKEY_OCF_CHECK_LEVEL), no CRM_meta
 * variables at all (no timeout, no interval, so no probe marker either), and
 * any exit code outside 0..9 turned into 1.
 *
 * Debian 12's lrmd itself cannot drive a test: it segfaults as soon as its
 * first client (lrmadmin) disconnects (seen under gdb on this machine:
 * unregister_client -> cl_log("%s: can not find client %s [pid %d] ...") ->
 * strlen on a bad pointer), so the profile is reproduced from its source.
 */
export function legacyLrmdEnv(
  instance: string,
  params: Readonly<Record<string, string>>,
  checkLevel?: number,
): Env {
  const all = { ...params, ...(checkLevel === undefined ? {} : { OCF_CHECK_LEVEL: String(checkLevel) }) };
  return {
    ...legacyEnv(instance),
    ...Object.fromEntries(Object.entries(all).map(([name, value]) => [`OCF_RESKEY_${name}`, value])),
  };
}

/** raexecocf.c map_ra_retvalue: codes outside 0..9 reach the CRM as 1 (OCF_ERR_GENERIC). */
export const legacyExitCode = (code: number): number => (code < 0 || code > 9 ? 1 : code);
