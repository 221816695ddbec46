import { absolutePathProblem, hostProblem, listProblem } from "../../../lib/ocf/checks.ts";
import { param } from "../../../lib/ocf/params.ts";
import { POLICIES_TEXT, sshParamGroup } from "../../../lib/ocf/ssh-params.ts";

/** Host names reached with ssh; `local` would be this host, not a peer. */
const peersProblem = (value: string): string | undefined =>
  listProblem(value, (word) => (word === "local" ? "'local' is this host, not a peer" : hostProblem(word)), "dom0");

/** How the peers are reached (lib/ocf/ssh-params.ts): as fence_xen reaches its dom0s, under XenDomain's peer_ names. */
export const peerSsh = sshParamGroup({
  names: {
    user: "peer_ssh_user",
    identity: "peer_identity_file",
    port: "peer_ssh_port",
    hostKeyPolicy: "peer_host_key_policy",
    loginTimeout: "peer_login_timeout",
    commandTimeout: "peer_shell_timeout",
  },
  where: "peer dom0s",
  docs: { hostKeyPolicy: { shortdesc: "How to treat peer host keys", longdesc: POLICIES_TEXT } },
  defaults: { user: "root", port: 22, hostKeyPolicy: "strict", loginTimeoutS: 5 },
});

/**
 * XenDomain's never-twice parameters (agents/xen-domain/never-twice/lease-guard.ts): a
 * lease on storage every host shares, and an optional look at the other
 * dom0s before a start. Both are off unless set.
 */
export const leaseParams = {
  lease_dir: param.string({
    shortdesc: "Lease directory on the HA data pool",
    longdesc:
      "A directory on storage that every host shares (the HA data pool, e.g. a cluster file system or NFS). " +
      "Start takes the domain's lease there before creating it and refuses while another host's lease is live; " +
      "monitor renews it; a host that cannot renew destroys its copy before the lease can be taken elsewhere; " +
      "stop releases it once the domain is gone. Unset: no lease.",
    check: absolutePathProblem,
  }),
  lease_timeout: param.integer({ min: 10, max: 3_600 })({
    default: 60,
    shortdesc: "Seconds a lease stays live without renewal",
    longdesc:
      "Another host may take the lease this long (plus 2 s for clock differences) after its last renewal. " +
      "Keep it well above the monitor interval plus the monitor timeout: a host destroys its copy as soon as it " +
      "cannot renew and the next monitor would come too late.",
  }),
  peer_dom0s: param.string({
    shortdesc: "Other dom0s to ask before a start",
    longdesc:
      "Space- or comma-separated dom0s (host names reached with ssh) that are asked, before a start, whether " +
      "they run the domain under any of its names; if one does, the start is refused. A monitor with " +
      "OCF_CHECK_LEVEL=10 asks them too and fails, naming the peer, when one runs a second copy. For clusters " +
      "without shared storage for leases.",
    check: peersProblem,
  }),
  peer_check_strict: param.boolean({
    default: false,
    shortdesc: "Refuse a start when a peer does not answer",
    longdesc:
      "false: a peer that cannot be asked is logged and skipped (Pacemaker fences a lost host before it moves its " +
      "resources). true: the start is refused until every peer answers.",
  }),
  ...peerSsh.params,
};
