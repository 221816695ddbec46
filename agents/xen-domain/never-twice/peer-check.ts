import { genericError } from "../../../lib/ocf/exit-code.ts";
import { copyNames, dom0sOf, eachDom0Of, failuresOf } from "../../../lib/toolstack/dom0s.ts";
import type { XenContext } from "../deps.ts";
import { peerSsh } from "./lease-params.ts";

interface PeerLook {
  /** "node2 (vm1, vm1--incoming)" for each peer that lists one of the names asked for. */
  readonly holders: readonly string[];
  /** The peers that could not be asked, each with its reason. */
  readonly failures: readonly string[];
}

/** Asks every peer_dom0s host, over the same ssh as fence_xen, which of the domain's names it lists. */
async function lookAtPeers(ctx: XenContext, name: string, withMigrationNames: boolean): Promise<PeerLook | undefined> {
  const { params } = ctx;
  if (params.peer_dom0s === undefined) return undefined;
  const peers = dom0sOf(params.peer_dom0s, peerSsh.settingsOf(params), {
    tool: ctx.deps.toolstack().name,
    run: ctx.deps.run,
    env: ctx.deps.env,
    callTimeoutMs: ctx.deadline.callTimeoutMs,
  });
  const answers = await eachDom0Of(peers)(async (peer) => {
    const wanted = new Set(withMigrationNames ? copyNames(name, peer) : [name]);
    return (await peer.toolstack.list()).flatMap((row) => (row.name !== undefined && wanted.has(row.name) ? [row.name] : []));
  });
  return {
    holders: answers.flatMap((a) => (a.value !== undefined && a.value.length > 0 ? [`${a.dom0.name} (${a.value.join(", ")})`] : [])),
    failures: failuresOf(answers),
  };
}

/**
 * The pre-start look at the other dom0s: a domain that runs on a peer, under
 * its name or a migration name, is never started here. A peer that cannot be
 * asked is skipped with a warning, or refuses the start with peer_check_strict.
 */
export async function checkPeers(ctx: XenContext, name: string): Promise<void> {
  const look = await lookAtPeers(ctx, name, true);
  if (look === undefined) return;
  if (look.holders.length > 0) throw genericError(`domain ${name} already runs on ${look.holders.join(", ")}; not starting a second copy`);
  for (const failure of look.failures) {
    if (ctx.params.peer_check_strict) throw genericError(`cannot ask peer ${failure}`);
    ctx.log.warn(`peer did not answer, starting anyway (peer_check_strict=false): ${failure}`);
  }
}

/**
 * The deep monitor (OCF_CHECK_LEVEL >= 10) of a domain that runs here: a peer
 * that lists it under its own name runs a second copy, which is reported as a
 * failure so that the admin and Pacemaker learn of it before the disks do.
 * Migration names are left out: a paused NAME--incoming is a migration in
 * flight, not a second running copy. A peer that cannot be asked is only
 * logged; it says nothing about this host's copy.
 */
export async function checkNoPeerCopy(ctx: XenContext, name: string): Promise<void> {
  const look = await lookAtPeers(ctx, name, false);
  if (look === undefined) return;
  if (look.holders.length > 0) {
    throw genericError(`domain ${name} runs here and on ${look.holders.join(", ")}: two copies of one domain`);
  }
  for (const failure of look.failures) ctx.log.warn(`deep monitor: peer not asked: ${failure}`);
}
