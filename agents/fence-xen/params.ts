import { param } from "../../lib/ocf/params.ts";
import { FENCE_PROTOCOL_LETTERS, fenceProtocolParams, type GetoptLetters } from "../../lib/fence/fence-params.ts";
import { absolutePathProblem, hostProblem, listProblem } from "../../lib/ocf/checks.ts";
import { sshParamGroup } from "../../lib/ocf/ssh-params.ts";
import { domainNameProblem } from "../../lib/toolstack/domain-name.ts";
import { UUID } from "../../lib/toolstack/list-verbose.ts";
import { dom0NodeMapProblem } from "./host-fences.ts";
import { runningDelayParam } from "./running-delay.ts";

/** `local` or a host name / address for ssh; never anything ssh could read as an option. */
export const dom0ListProblem = (text: string): string | undefined =>
  listProblem(text, (word) => (word === "local" ? undefined : hostProblem(word)), "dom0");

/** How fence_xen logs in to the dom0s (lib/ocf/ssh-params.ts), under fence-agents' names. */
export const dom0Ssh = sshParamGroup({
  names: {
    user: "username",
    identity: "identity_file",
    port: "ipport",
    hostKeyPolicy: "ssh_host_key_policy",
    knownHosts: "known_hosts_file",
    sshPath: "ssh_path",
    loginTimeout: "login_timeout",
    commandTimeout: "shell_timeout",
  },
  where: "dom0s",
  // fence-agents' words, which fence_virsh users know
  docs: {
    identity: { shortdesc: "Identity file (private key) for SSH" },
    hostKeyPolicy: {
      shortdesc: "How to treat dom0 host keys",
      longdesc:
        "strict: the dom0's key must be in known_hosts; accept-new: unknown keys are learnt, changed keys refused; " +
        "ignore: no check (test labs only).",
    },
    loginTimeout: { shortdesc: "Wait X seconds for the ssh connection" },
    commandTimeout: { shortdesc: "Wait X seconds for one toolstack command" },
  },
  defaults: { user: "root", port: 22, hostKeyPolicy: "strict", loginTimeoutS: 5 },
  userAliases: ["login"],
});

/**
 * How fence_xen reaches the dom0s and what it does there: shared by the fence
 * agent and the cluster-glue plugin. Names follow fence-agents where the
 * meaning is the same (username, identity_file, ipport, login_timeout,
 * shell_timeout, ssh_path), so fence_virsh users find their way. There is no
 * secret among them: dom0s are reached with an ssh key, whose path is not one.
 */
export const xenDeviceParams = {
  dom0_list: param.string({
    required: true,
    shortdesc: "Dom0s that may host the domain",
    longdesc:
      "Space- or comma-separated dom0s that may run the domain: 'local' for the toolstack of this host, " +
      "or a host name or address reached with ssh. Every one is asked, so a domain that migrated is " +
      "still found; off succeeds only when every one says the domain is absent.",
    check: dom0ListProblem,
  }),
  ...dom0Ssh.params,
  toolstack: param.select(["xl", "xm"])({
    default: "xl",
    shortdesc: "Toolstack on the dom0s",
  }),
  dump_core: param.boolean({
    default: false,
    shortdesc: "Save a crash dump (xl dump-core) before the kill",
  }),
  dump_dir: param.string({
    default: "/var/lib/xen/dump",
    shortdesc: "Directory on the dom0 for crash dumps",
    check: absolutePathProblem,
  }),
  dump_timeout: param.integer({ min: 1, max: 3_600 })({
    default: 60,
    shortdesc: "Seconds a crash dump may take before the kill goes ahead",
  }),
  config_dir: param.string({
    default: "/etc/xen",
    shortdesc: "Where 'on' finds DOMAIN.cfg on the dom0",
    check: absolutePathProblem,
  }),
  dom0_fence_history: param.boolean({
    default: true,
    shortdesc: "A silent dom0 fenced by the dom0 cluster holds no domain",
    longdesc:
      "When a dom0 does not answer, ask an answering dom0 for the dom0 cluster's fence history (stonith_admin --history): " +
      "a successful off or reboot of that dom0, completed after this fence began, proves its domains gone. Without such a " +
      "record the fence fails as before; off and reboot wait for one, or for the dom0 to answer, up to power_timeout.",
  }),
  dom0_node_map: param.string({
    shortdesc: "Dom0 cluster node names, where they differ from dom0_list",
    longdesc:
      "Space- or comma-separated DOM0=NODE entries: the dom0 cluster's node name of a dom0_list entry (an address, or 'local'). " +
      "An entry not listed is its own node name; 'local' has none unless listed.",
    check: dom0NodeMapProblem,
  }),
  lease_dir: param.string({
    shortdesc: "Lease directory on the HA data pool",
    longdesc:
      "The lease_dir of the XenDomain resources. A fence is announced there before the kill and confirmed " +
      "once the domain is gone, so that another host may take the domain's lease at once. With a lease " +
      "directory, 'on' is refused: XenDomain starts leased domains.",
    check: absolutePathProblem,
  }),
};

/** A plug is a domain's UUID, or a name by the one domain-name rule (never an option, never Domain-0). */
export const plugProblem = (plug: string): string | undefined => (UUID.test(plug) ? undefined : domainNameProblem(plug));

/** fence_xen's parameters: the fence protocol's own (its plug checked as a Xen domain), then the device's. */
export const fenceXenParams = {
  ...fenceProtocolParams,
  // the declared type allows an absent plug; a check only ever sees a decoded value
  plug: { ...fenceProtocolParams.plug, check: (plug: string | undefined) => plugProblem(plug ?? "") },
  // beside fencing.py's delay, which it leaves as it is
  delay_if_running: runningDelayParam(plugProblem),
  ...xenDeviceParams,
};

export type XenDeviceParams = typeof xenDeviceParams;

export type FenceXenParams = typeof fenceXenParams;

export const fenceXenLetters: GetoptLetters = {
  ...FENCE_PROTOCOL_LETTERS,
  dom0_list: "a",
  username: "l",
  identity_file: "k",
  ipport: "u",
};
