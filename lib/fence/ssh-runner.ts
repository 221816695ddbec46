import type { CommandRunner } from "../exec/command.ts";

/**
 * Running a tool on another host through ssh, as a CommandRunner, so the
 * toolstack layer drives a remote dom0 exactly as it drives the local one.
 *
 * Real ssh joins the remote words with spaces and hands the line to the
 * remote user's shell. So every word is quoted for a POSIX shell here (words
 * made only of harmless characters are left as they are, which keeps logs
 * readable); nothing the caller passes can become a second command. ssh
 * itself never prompts (BatchMode), gives up connecting after the login
 * timeout, and follows the configured host-key policy.
 */
export type HostKeyPolicy = "strict" | "accept-new" | "ignore";

export interface SshTarget {
  /** Host name or address, as ssh resolves it; never starts with "-" (checked by the caller's parameters). */
  readonly host: string;
  readonly user: string;
  readonly port: number;
  readonly identityFile: string | undefined;
  readonly hostKeyPolicy: HostKeyPolicy;
  readonly knownHostsFile: string | undefined;
  readonly connectTimeoutS: number;
  /** The ssh program: a path, or a name looked up on the agent's PATH. */
  readonly sshPath: string;
}

const HARMLESS = /^[A-Za-z0-9_./:@%+=,-]+$/;

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
export function sshOptions(target: SshTarget): string[] {
  const knownHosts = target.hostKeyPolicy === "ignore" ? "/dev/null" : target.knownHostsFile;
  return [
    "-o", "BatchMode=yes",
    "-o", `ConnectTimeout=${target.connectTimeoutS}`,
    "-o", `StrictHostKeyChecking=${STRICTNESS[target.hostKeyPolicy]}`,
    ...(knownHosts ? ["-o", `UserKnownHostsFile=${knownHosts}`] : []),
    "-o", "LogLevel=ERROR",
    "-p", String(target.port),
    "-l", target.user,
    ...(target.identityFile ? ["-i", target.identityFile] : []),
    "-T",
  ];
}

export function sshRunner(target: SshTarget, run: CommandRunner): CommandRunner {
  return async (file, args, options) => {
    const result = await run(
      target.sshPath,
      [...sshOptions(target), target.host, ...[file, ...args].map(quoteForShell)],
      // ssh forwards nothing of our environment; the remote side uses its own PATH.
      options,
    );
    // Messages name what ran where, not ssh's long option list.
    const command = `${[file, ...args].join(" ")} (on ${target.host} via ssh)`;
    // ssh missing is not the remote tool missing: report it as ssh's own failure (exit 255), not as ENOENT of xl.
    if (result.spawnError) {
      return { ...result, command, spawnError: undefined, exitCode: 255, stderr: `cannot run ${target.sshPath}: ${result.spawnError}\n` };
    }
    return { ...result, command };
  };
}
