import type { CommandRunner } from "./command.ts";

/**
 * The one way xen-ha reaches another dom0: ssh, as a CommandRunner, so the
 * toolstack layer drives a remote dom0 exactly as it drives the local one
 * (fence_xen's dom0s, XenDomain's peers, the migration target).
 *
 * Real ssh joins the remote words with spaces and hands the line to the
 * remote user's shell. So every word is quoted for a POSIX shell here (words
 * made only of harmless characters are left as they are, which keeps logs
 * readable); nothing the caller passes can become a second command. ssh
 * itself never prompts (BatchMode: no password or passphrase is ever asked
 * for, so no credential can be in argv; only the identity file's path is),
 * gives up connecting within the login timeout and the call's own deadline,
 * and follows the configured host-key policy. The call's deadline ends ssh's
 * whole process group (command.ts), the remote command's local end with it.
 */
export const HOST_KEY_POLICIES = ["strict", "accept-new", "ignore"] as const;
export type HostKeyPolicy = (typeof HOST_KEY_POLICIES)[number];

/** How to log in; unset fields leave the choice to ssh and its configuration. */
export interface SshSettings {
  readonly user: string | undefined;
  readonly port: number | undefined;
  readonly identityFile: string | undefined;
  /** Unset: whatever ssh_config says (and, with BatchMode, an unknown host is refused). */
  readonly hostKeyPolicy: HostKeyPolicy | undefined;
  readonly knownHostsFile: string | undefined;
  /** Seconds ssh may take to connect; a call with less time left gets less. */
  readonly loginTimeoutS: number;
  /** The ssh program: a path, or a name looked up on the agent's PATH. */
  readonly sshPath: string;
  /** Further `-o Key=value` settings (checked by the caller's parameters). */
  readonly extraOptions: readonly string[];
}

export interface SshTarget extends SshSettings {
  /** Host name or address, as ssh resolves it; never starts with "-" (checked by the caller's parameters). */
  readonly host: string;
  /** What messages call the host (a node name), when that is not `host` itself. */
  readonly label?: string;
}

const HARMLESS = /^[A-Za-z0-9_./:@%+=,-]+$/;

/** The one quoting for the remote shell: harmless words as they are, anything else single-quoted. */
export function quoteForShell(word: string): string {
  if (HARMLESS.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

const STRICTNESS: Readonly<Record<HostKeyPolicy, string>> = {
  strict: "yes",
  "accept-new": "accept-new",
  ignore: "no",
};

/** ssh's own options, before the host: the fixed safety options first, then the configured ones. */
export function sshOptions(settings: SshSettings, loginTimeoutS = settings.loginTimeoutS): string[] {
  const policy = settings.hostKeyPolicy;
  const knownHosts = policy === "ignore" ? "/dev/null" : settings.knownHostsFile;
  return [
    "-o", "BatchMode=yes",
    "-o", `ConnectTimeout=${loginTimeoutS}`,
    ...(policy ? ["-o", `StrictHostKeyChecking=${STRICTNESS[policy]}`] : []),
    ...(knownHosts ? ["-o", `UserKnownHostsFile=${knownHosts}`] : []),
    "-o", "LogLevel=ERROR",
    ...settings.extraOptions.flatMap((option) => ["-o", option]),
    ...(settings.port !== undefined ? ["-p", String(settings.port)] : []),
    ...(settings.user !== undefined ? ["-l", settings.user] : []),
    ...(settings.identityFile ? ["-i", settings.identityFile] : []),
    "-T",
  ];
}

/** The login timeout, never longer than the call's own time (whole seconds, at least 1: ssh's unit). */
const connectWithin = (settings: SshSettings, timeoutMs: number): number =>
  Math.max(1, Math.min(settings.loginTimeoutS, Math.floor(timeoutMs / 1000)));

/** ssh missing is not the remote tool missing: ssh's own failure (exit 255), not ENOENT of xl. */
const SSH_FAILED = 255;

export function sshRunner(target: SshTarget, run: CommandRunner): CommandRunner {
  const where = target.label === undefined || target.label === target.host ? `${target.host} via ssh` : `${target.label} via ssh ${target.host}`;
  return async (file, args, options) => {
    const result = await run(
      target.sshPath,
      [...sshOptions(target, connectWithin(target, options.timeoutMs)), target.host, ...[file, ...args].map(quoteForShell)],
      // ssh forwards nothing of our environment; the remote side uses its own PATH.
      options,
    );
    // Messages name what ran where, not ssh's long option list.
    const command = `${[file, ...args].join(" ")} (on ${where})`;
    if (result.spawnError) {
      return { ...result, command, spawnError: undefined, exitCode: SSH_FAILED, stderr: `cannot run ${target.sshPath}: ${result.spawnError}\n` };
    }
    return { ...result, command };
  };
}

/** True when a result is ssh's own failure (could not connect, log in or start), not the remote command's. */
export const sshFailed = (exitCode: number | undefined): boolean => exitCode === SSH_FAILED;
