import { genericError } from "../../lib/ocf/exit-code.ts";
import { connectDom0s } from "../fence-xen/dom0s.ts";
import { copyNames, eachDom0Of, failuresOf } from "../fence-xen/xen-power.ts";
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
  const answers = await eachDom0Of(peers)(async (peer) => {
    const wanted = new Set(copyNames(name, peer));
    return (await peer.toolstack.list()).flatMap((row) => (row.name !== undefined && wanted.has(row.name) ? [row.name] : []));
  });
  const running = answers.flatMap((a) => (a.value !== undefined && a.value.length > 0 ? [`${a.dom0.name} (${a.value.join(", ")})`] : []));
  if (running.length > 0) throw genericError(`domain ${name} already runs on ${running.join(", ")}; not starting a second copy`);
  for (const failure of failuresOf(answers)) {
    if (params.peer_check_strict) throw genericError(`cannot ask peer ${failure}`);
    ctx.log.warn(`peer did not answer, starting anyway (peer_check_strict=false): ${failure}`);
  }
}
