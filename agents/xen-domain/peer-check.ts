import { genericError, OcfError } from "../../lib/ocf/exit-code.ts";
import { connectDom0s } from "../fence-xen/dom0s.ts";
import { copyNames } from "../fence-xen/xen-power.ts";
import type { XenContext } from "./deps.ts";

/**
 * The pre-start look at the other dom0s, over the same transport as
 * fence_xen: a domain that runs on a peer, under its name or a migration
 * name, is never started here. A peer that cannot be asked is skipped with a
 * warning, or refuses the start with peer_check_strict.
 */
export async function checkPeers(ctx: XenContext, name: string): Promise<void> {
  const { params } = ctx;
  if (params.peer_dom0s === undefined) return;
  const peers = connectDom0s(
    {
      hosts: params.peer_dom0s,
      user: params.peer_ssh_user,
      port: 22,
      identityFile: params.peer_identity_file,
      hostKeyPolicy: params.peer_host_key_policy,
      knownHostsFile: undefined,
      sshPath: "ssh",
      loginTimeoutS: 5,
      shellTimeoutS: 10,
      toolstack: ctx.deps.toolstack().name,
    },
    { env: ctx.deps.env, deadline: ctx.deadline, run: ctx.deps.run },
  );
  const running: string[] = [];
  const silent: { peer: string; problem: string }[] = [];
  await Promise.all(
    peers.map(async (peer) => {
      try {
        const wanted = new Set(copyNames(name, peer));
        const found = (await peer.toolstack.list()).flatMap((row) => (row.name !== undefined && wanted.has(row.name) ? [row.name] : []));
        if (found.length > 0) running.push(`${peer.name} (${found.join(", ")})`);
      } catch (error) {
        if (!(error instanceof OcfError)) throw error;
        silent.push({ peer: peer.name, problem: error.message });
      }
    }),
  );
  if (running.length > 0) throw genericError(`domain ${name} already runs on ${running.sort().join(", ")}; not starting a second copy`);
  for (const answer of silent) {
    if (params.peer_check_strict) throw genericError(`cannot ask peer ${answer.peer} whether it runs ${name}: ${answer.problem}`);
    ctx.log.warn(`peer ${answer.peer} did not answer, starting anyway (peer_check_strict=false): ${answer.problem}`);
  }
}
