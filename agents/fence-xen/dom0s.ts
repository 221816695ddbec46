import type { CommandRunner } from "../../lib/exec/command.ts";
import type { Deadline } from "../../lib/ocf/deadline.ts";
import type { ParamValues } from "../../lib/ocf/params.ts";
import { sshRunner, type HostKeyPolicy } from "../../lib/fence/ssh-runner.ts";
import type { Toolstack, ToolstackName } from "../../lib/toolstack/toolstack.ts";
import { toolstackFor } from "../../lib/toolstack/select.ts";
import { splitList } from "../../lib/ocf/checks.ts";
import type { XenDeviceParams } from "./params.ts";

/**
 * One dom0 as the fence agent sees it: a name for messages, a runner that
 * executes a tool there (locally or over ssh), and the toolstack on top of it.
 */
export interface Dom0 {
  readonly name: string;
  readonly run: CommandRunner;
  readonly toolstack: Toolstack;
  /** The timeout of one call there, capped by the action's deadline. */
  readonly callTimeoutMs: (capMs: number) => number;
}

export interface Dom0Access {
  readonly hosts: string;
  readonly user: string;
  readonly port: number;
  readonly identityFile: string | undefined;
  readonly hostKeyPolicy: HostKeyPolicy;
  readonly knownHostsFile: string | undefined;
  readonly sshPath: string;
  readonly loginTimeoutS: number;
  readonly shellTimeoutS: number;
  readonly toolstack: ToolstackName;
}

/** The ssh settings of fence_xen's parameters (XenDomain's peer check has its own names for the same facts). */
export const dom0AccessOf = (values: ParamValues<XenDeviceParams>): Dom0Access => ({
  hosts: values.dom0_list,
  user: values.username,
  port: values.ipport,
  identityFile: values.identity_file,
  hostKeyPolicy: values.ssh_host_key_policy,
  knownHostsFile: values.known_hosts_file,
  sshPath: values.ssh_path,
  loginTimeoutS: values.login_timeout,
  shellTimeoutS: values.shell_timeout,
  toolstack: values.toolstack,
});

export function connectDom0s(
  access: Dom0Access,
  context: { readonly env: Readonly<Record<string, string | undefined>>; readonly deadline: Deadline; readonly run: CommandRunner },
): Dom0[] {
  return (splitList(access.hosts) ?? []).map((host) => {
    const local = host === "local";
    const perCallMs = (access.shellTimeoutS + (local ? 0 : access.loginTimeoutS)) * 1000;
    const callTimeoutMs = (capMs: number) => context.deadline.callTimeoutMs(Math.min(capMs, perCallMs));
    const run = local
      ? context.run
      : sshRunner(
          {
            host,
            user: access.user,
            port: access.port,
            identityFile: access.identityFile,
            hostKeyPolicy: access.hostKeyPolicy,
            knownHostsFile: access.knownHostsFile,
            connectTimeoutS: access.loginTimeoutS,
            sshPath: access.sshPath,
          },
          context.run,
        );
    return {
      name: host,
      run,
      callTimeoutMs,
      toolstack: toolstackFor(access.toolstack, { run, env: context.env, callTimeoutMs }),
    };
  });
}
