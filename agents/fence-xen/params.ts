import { param } from "../../lib/ocf/params.ts";
import { FENCE_PROTOCOL_LETTERS, fenceProtocolParams, type GetoptLetters } from "../../lib/fence/fence-params.ts";
import { absolutePathProblem, hostProblem, listProblem, userNameProblem } from "../../lib/ocf/checks.ts";
import { domainNameProblem } from "../../lib/toolstack/domain-name.ts";
import { UUID } from "../../lib/toolstack/list-verbose.ts";

/** `local` or a host name / address for ssh; never anything ssh could read as an option. */
export const dom0ListProblem = (text: string): string | undefined =>
  listProblem(text, (word) => (word === "local" ? undefined : hostProblem(word)), "dom0");

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
  username: param.string({
    default: "root",
    aliases: ["login"],
    shortdesc: "Login name on the dom0s",
    check: userNameProblem,
  }),
  identity_file: param.string({
    shortdesc: "Identity file (private key) for SSH",
    check: absolutePathProblem,
  }),
  ipport: param.integer({ min: 1, max: 65_535 })({
    default: 22,
    shortdesc: "TCP port of the dom0s' ssh servers",
  }),
  ssh_host_key_policy: param.select(["strict", "accept-new", "ignore"])({
    default: "strict",
    shortdesc: "How to treat dom0 host keys",
    longdesc:
      "strict: the dom0's key must be in known_hosts; accept-new: unknown keys are learnt, changed keys refused; " +
      "ignore: no check (test labs only).",
  }),
  known_hosts_file: param.string({
    shortdesc: "known_hosts file for the dom0s",
    check: absolutePathProblem,
  }),
  ssh_path: param.string({
    default: "ssh",
    shortdesc: "Path to ssh binary",
    longdesc: "The ssh client; a bare name is looked up on PATH.",
  }),
  login_timeout: param.integer({ min: 1, max: 600 })({
    default: 5,
    shortdesc: "Wait X seconds for the ssh connection",
  }),
  shell_timeout: param.integer({ min: 1, max: 600 })({
    default: 10,
    shortdesc: "Wait X seconds for one toolstack command",
  }),
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
