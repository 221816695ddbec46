import { runCommand } from "../../../lib/exec/command.ts";
import { readUserFile } from "../../../lib/exec/read-user-file.ts";
import type { XenContext } from "../../xen-domain/deps.ts";
import { restartEvidence } from "../../xen-domain/restart-evidence.ts";
import type { Evidence } from "./judge.ts";

/** The whole evidence look (two bounded log reads and /proc): well inside a second on a healthy host. */
const EVIDENCE_MS = 3_000;

/**
 * XenDomain's restart evidence (agents/xen-domain/restart-evidence.ts: xl's
 * monitoring process alive and logging a restart), asked for a domain that
 * vanished: one rule for both, so the watcher never calls failed what a
 * monitor would call restarting. That module reads what an action context
 * carries; the watcher has no action, so it gets the few fields it reads:
 * the environment (XEN_HA_SYSROOT), a bounded log reader, its own deadline,
 * and the toolstack's name (xl: xenstore-watch is run only beside xl).
 * A failure of the look is no evidence: the death is reported.
 */
export function hostRestartEvidence(env: Readonly<Record<string, string | undefined>>): (name: string, domid: number) => Promise<Evidence> {
  return async (name, domid) => {
    const end = Date.now() + EVIDENCE_MS;
    const view = {
      deps: {
        env,
        readLogTail: (path: string, limits: { readonly maxBytes: number; readonly timeoutMs: number }) => readUserFile(runCommand, path, { ...limits, env, tail: true }),
        toolstack: () => ({ name: "xl" }),
      },
      deadline: { remainingMs: () => Math.max(0, end - Date.now()) },
    };
    try {
      return await restartEvidence(view as unknown as XenContext, name, { kind: "absent", name }, undefined, domid);
    } catch (error) {
      return { restarting: false, why: `no evidence of a restart could be read (${error instanceof Error ? error.message : String(error)})` };
    }
  };
}
