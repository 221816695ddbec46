import { HOST_KEY_POLICIES, type HostKeyPolicy, type SshSettings } from "../exec/ssh.ts";
import { absolutePathProblem, programProblem, userNameProblem } from "./checks.ts";
import { param, type ParamValues } from "./params.ts";

/**
 * The declared ssh parameters of one way to reach dom0s: fence_xen's dom0s,
 * XenDomain's peers, the migration target. Each agent keeps the public names
 * it has always had (fence_xen follows fence-agents: username, ipport,
 * login_timeout, ...) and the words it has always used for them; what a
 * value may be, its range, its check, the words of what is new and what ssh
 * makes of it (lib/exec/ssh.ts) are stated here once, so the three groups
 * cannot drift apart again.
 */
export interface SshParamNames {
  readonly user: string;
  readonly identity: string;
  readonly port: string;
  readonly hostKeyPolicy: string;
  /** Seconds ssh may take to connect and log in. */
  readonly loginTimeout: string;
  readonly knownHosts?: string;
  readonly sshPath?: string;
  /** Seconds one command on the dom0 may take (its login not counted). */
  readonly commandTimeout?: string;
}

type Member = keyof SshParamNames;

interface Docs {
  readonly shortdesc: string;
  readonly longdesc?: string;
}

export interface SshParamSpec<N extends SshParamNames> {
  readonly names: N;
  /** The hosts reached, for the words of the parameters ("peer dom0s"). */
  readonly where: string;
  /** The agent's own words for a member, where it has always had others (they replace the member's words whole). */
  readonly docs?: { readonly [M in keyof N]?: Docs };
  /** Unset user, port or host-key policy: ssh's own choice (its configuration, its defaults). */
  readonly defaults: {
    readonly user?: string;
    readonly port?: number;
    readonly hostKeyPolicy?: HostKeyPolicy;
    readonly loginTimeoutS: number;
  };
  readonly reloadable?: boolean;
  /** Other names the user parameter is accepted under (fence-agents' `login`). */
  readonly userAliases?: readonly string[];
  /** The check of file paths (identity, known_hosts): absolute by default; stricter where the path goes into a shell line. */
  readonly pathCheck?: (path: string) => string | undefined;
}

/** What each host-key policy does, in the words the peers and migration parameters show. */
export const POLICIES_TEXT = "strict: known_hosts must have the key; accept-new: learn unknown keys, refuse changed ones; ignore: test labs only.";

/** The words of each member, unless the agent has its own. */
const wording = (where: string): Readonly<Record<Member, Docs>> => ({
  user: { shortdesc: `Login name on the ${where}` },
  identity: { shortdesc: `ssh identity file for the ${where}` },
  port: { shortdesc: `TCP port of the ${where}' ssh servers` },
  hostKeyPolicy: { shortdesc: `How to treat host keys of the ${where}`, longdesc: POLICIES_TEXT },
  knownHosts: { shortdesc: `known_hosts file for the ${where}` },
  sshPath: {
    shortdesc: "Path to ssh binary",
    longdesc: "The ssh client: an absolute path to an executable file, or a bare program name looked up on PATH (never beginning with '-').",
  },
  loginTimeout: { shortdesc: `Seconds ssh may take to log in to the ${where}` },
  commandTimeout: {
    shortdesc: `Seconds one toolstack command on the ${where} may take`,
    longdesc: `Seconds one toolstack command on the ${where} may take once ssh has logged in (the login has its own limit). The action's own timeout bounds both in any case.`,
  },
});

/** One toolstack command (list, destroy) takes well under a second; ten leave room for a loaded dom0. */
const COMMAND_TIMEOUT_S = 10;

/** One builder per member, called only for the members an agent names. */
const builders = (spec: SshParamSpec<SshParamNames>) => {
  const { defaults } = spec;
  const words = wording(spec.where);
  const docs = (member: Member) => ({
    ...((spec.docs as Partial<Record<Member, Docs>> | undefined)?.[member] ?? words[member]),
    ...(spec.reloadable ? { reloadable: true } : {}),
  });
  const pathCheck = spec.pathCheck ?? absolutePathProblem;
  return {
    user: () => param.string({ ...docs("user"), default: defaults.user, ...(spec.userAliases ? { aliases: spec.userAliases } : {}), check: userNameProblem }),
    identity: () => param.string({ ...docs("identity"), check: pathCheck }),
    port: () => param.integer({ min: 1, max: 65_535 })({ ...docs("port"), default: defaults.port }),
    hostKeyPolicy: () => param.select(HOST_KEY_POLICIES)({ ...docs("hostKeyPolicy"), default: defaults.hostKeyPolicy }),
    knownHosts: () => param.string({ ...docs("knownHosts"), check: pathCheck }),
    sshPath: () => param.string({ ...docs("sshPath"), default: "ssh", check: programProblem }),
    loginTimeout: () => param.integer({ min: 1, max: 600 })({ ...docs("loginTimeout"), default: defaults.loginTimeoutS }),
    commandTimeout: () => param.integer({ min: 1, max: 600 })({ ...docs("commandTimeout"), default: COMMAND_TIMEOUT_S }),
  };
};

type Declared = { readonly [M in Member]: ReturnType<ReturnType<typeof builders>[M]> };
/** Meta-data lists a group's parameters in this order. */
const ORDER: readonly Member[] = ["user", "identity", "port", "hostKeyPolicy", "knownHosts", "sshPath", "loginTimeout", "commandTimeout"];

/** The declarations under the agent's public names. */
export type SshParams<N extends SshParamNames> = { readonly [M in Member as M extends keyof N ? N[M] & string : never]: Declared[M] };

/** What the agent needs beyond ssh's settings: how long one command there may take. */
export interface SshAccess extends SshSettings {
  readonly commandTimeoutS: number | undefined;
}

export interface SshParamGroup<N extends SshParamNames> {
  readonly params: SshParams<N>;
  /** The group's decoded values as ssh settings. */
  readonly settingsOf: (values: ParamValues<SshParams<N>>) => SshAccess;
}

export function sshParamGroup<const N extends SshParamNames>(spec: SshParamSpec<N>): SshParamGroup<N> {
  const build = builders(spec);
  const names = spec.names as SshParamNames;
  const params = Object.fromEntries(ORDER.flatMap((member) => (names[member] === undefined ? [] : [[names[member], build[member]()]])));
  return {
    params: params as SshParams<N>,
    settingsOf: (values) => {
      const value = (member: Member): unknown => (names[member] === undefined ? undefined : (values as Record<string, unknown>)[names[member]]);
      return {
        user: value("user") as string | undefined,
        port: value("port") as number | undefined,
        identityFile: value("identity") as string | undefined,
        hostKeyPolicy: value("hostKeyPolicy") as HostKeyPolicy | undefined,
        knownHostsFile: value("knownHosts") as string | undefined,
        loginTimeoutS: value("loginTimeout") as number,
        sshPath: (value("sshPath") as string | undefined) ?? "ssh",
        extraOptions: [],
        commandTimeoutS: value("commandTimeout") as number | undefined,
      };
    },
  };
}
