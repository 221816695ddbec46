import type { CommandRunner } from "../exec/command.ts";
import { sshRunner, type SshTarget } from "../exec/ssh.ts";
import { OcfError } from "../ocf/exit-code.ts";
import type { SshAccess } from "../ocf/ssh-params.ts";
import { splitList } from "../ocf/checks.ts";
import { buildToolstack } from "./build-toolstack.ts";
import { DIALECTS } from "./dialects.ts";
import { migrationCommands, type MigrationCommands } from "./migration.ts";
import type { Toolstack, ToolstackName, ToolstackOptions } from "./toolstack.ts";

/**
 * A dom0 as the agents see it: this host or another one reached with ssh
 * (lib/exec/ssh.ts), a runner that executes a tool there, and the toolstack
 * and migration calls on top of that runner. `toolstackOn` is the one place
 * that builds them, for fence_xen's dom0s, XenDomain's own host, its peers
 * and its migration target alike.
 */
export interface Dom0 {
  /** "local", or the host (or node) name, for messages. */
  readonly name: string;
  readonly run: CommandRunner;
  readonly toolstack: Toolstack;
  readonly migration: MigrationCommands;
  /** The timeout of one call there, capped by the action's deadline. */
  readonly callTimeoutMs: (capMs: number) => number;
}

export const LOCAL = "local";

export interface Dom0Options extends ToolstackOptions {
  readonly tool: ToolstackName;
  /** Seconds one command there may take (plus the login, through ssh); unset: only the call's own cap. */
  readonly commandTimeoutS?: number | undefined;
}

export function toolstackOn(dom0: typeof LOCAL | SshTarget, options: Dom0Options): Dom0 {
  const remote = dom0 === LOCAL ? undefined : dom0;
  const run = remote ? sshRunner(remote, options.run) : options.run;
  const perCallMs = options.commandTimeoutS === undefined ? Infinity : (options.commandTimeoutS + (remote?.loginTimeoutS ?? 0)) * 1000;
  const callTimeoutMs = (capMs: number): number => options.callTimeoutMs(Math.min(capMs, perCallMs));
  const on: ToolstackOptions = { run, env: options.env, callTimeoutMs };
  return {
    name: remote ? (remote.label ?? remote.host) : LOCAL,
    run,
    callTimeoutMs,
    toolstack: buildToolstack(DIALECTS[options.tool], on),
    migration: migrationCommands(options.tool, on),
  };
}

/** The dom0s of a list parameter (`local` or host names, checked by the agent's parameters), reached with the group's ssh settings. */
export function dom0sOf(list: string, ssh: SshAccess, options: Omit<Dom0Options, "commandTimeoutS">): Dom0[] {
  return (splitList(list) ?? []).map((host) =>
    toolstackOn(host === LOCAL ? LOCAL : { ...ssh, host }, { ...options, commandTimeoutS: ssh.commandTimeoutS }),
  );
}

/** The domain's name and the names it wears while it migrates, on that dom0's toolstack. */
export function copyNames(name: string, dom0: Dom0): string[] {
  return [name, ...dom0.toolstack.migrationNames(name).map((worn) => worn.name)];
}

export interface Answer<T> {
  readonly dom0: Dom0;
  readonly value: T | undefined;
  readonly failure: string | undefined;
}

/** An error's message, for a failure text. */
export const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Asks every dom0 at once; an OcfError from one is that dom0's failure, in list order. */
export const eachDom0Of =
  (dom0s: readonly Dom0[]) =>
  <T>(ask: (dom0: Dom0) => Promise<T>): Promise<Answer<T>[]> =>
    Promise.all(
      dom0s.map(async (dom0) => {
        try {
          return { dom0, value: await ask(dom0), failure: undefined };
        } catch (error) {
          if (!(error instanceof OcfError)) throw error;
          return { dom0, value: undefined, failure: `${dom0.name}: ${reasonOf(error)}` };
        }
      }),
    );

export const failuresOf = (answers: readonly Answer<unknown>[]): string[] => answers.flatMap((a) => (a.failure ? [a.failure] : []));
