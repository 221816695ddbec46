import { runCommand, type CommandRunner } from "../../lib/exec/command.ts";

/**
 * tap loads its process-info hook into every child Node through NODE_OPTIONS,
 * and runCommand cannot remove an inherited variable (it extends the parent's
 * environment). Installed agents started by ocf-tester, crm_resource or su
 * must run as they would under the cluster, so those calls go through
 * `env -u`, which drops the variables before anything else starts.
 */
const TAP_INJECTED = ["NODE_OPTIONS", "NODE_PATH"];

export function outsideTap(file: string, args: readonly string[]): { file: string; args: string[] } {
  return { file: "env", args: [...TAP_INJECTED.flatMap((name) => ["-u", name]), file, ...args] };
}

/**
 * `env -i KEY=VALUE... file args`: the program sees exactly `env` and nothing
 * of the test runner's environment, as an agent sees only what its LRM sets.
 */
export function withExactEnv(
  env: Readonly<Record<string, string | undefined>>,
  file: string,
  args: readonly string[],
): { file: string; args: string[] } {
  const assignments = Object.entries(env)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${value}`);
  return { file: "env", args: ["-i", ...assignments, file, ...args] };
}

/**
 * A CommandRunner whose programs see only the `env` of each call (through
 * `env -i`): what the demo's code passes on is all the agent gets.
 */
export const exactEnvRunner: CommandRunner = (file, args, options) => {
  const call = withExactEnv(options.env ?? {}, file, args);
  return runCommand(call.file, call.args, { ...options, env: {} });
};
