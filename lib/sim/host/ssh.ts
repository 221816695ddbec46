import { accessSync, constants } from "node:fs";
import { userInfo } from "node:os";
import { delimiter, sep } from "node:path";
import { clockFor, type ToolIo } from "../context.ts";
import { hangForever } from "./faults.ts";
import { hostPaths, hostsDir } from "./paths.ts";
import { runInherited } from "./processes.ts";
import { splitRemoteLine } from "./remote-shell.ts";
import { listHosts, readHost } from "./store.ts";
import { withToolRun } from "../tool-run.ts";

/**
 * The fake `ssh` between simulated hosts:
 * `ssh [-o OPT]... [-i FILE] [-l USER] [-p PORT] [-T] [USER@]HOST CMD [ARG...]`
 * runs CMD ARG... as if on HOST (its bin dir first on PATH), with this
 * process's stdin/stdout/stderr. Like real ssh, it joins the words into one
 * remote command line, which is split again as a shell would (quotes and
 * backslashes honoured); shell syntax is refused rather than run
 * (remote-shell.ts). Failures print ssh's texts and exit 255.
 */
const FLAGS = "1246AaCfGgKkMNnqsTtVvXxYy";
const WITH_VALUE = "BbcDEeFIiJLlmOoPpQRSWw";

interface SshCommand {
  readonly user: string;
  readonly target: string;
  readonly port: string;
  readonly identities: readonly string[];
  readonly command: readonly string[];
}

function parse(argv: readonly string[]): SshCommand | { usage: string } {
  let user = userInfo().username;
  let port = "22";
  const identities: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j] as string;
      if (FLAGS.includes(letter)) continue;
      if (!WITH_VALUE.includes(letter)) return { usage: `unknown option -- ${letter}` };
      const value = j + 1 < arg.length ? arg.slice(j + 1) : argv[++i];
      if (value === undefined) return { usage: `option requires an argument -- ${letter}` };
      if (letter === "l") user = value;
      if (letter === "p") port = value;
      if (letter === "i") identities.push(value);
      break;
    }
  }
  const destination = argv[i];
  if (destination === undefined) return { usage: "" };
  const at = destination.lastIndexOf("@");
  return {
    user: at >= 0 ? destination.slice(0, at) : user,
    target: at >= 0 ? destination.slice(at + 1) : destination,
    port,
    identities,
    command: argv.slice(i + 1),
  };
}

const USAGE =
  "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address]\n" +
  "           [-c cipher_spec] [-D [bind_address:]port] [-E log_file]\n" +
  "           [-e escape_char] [-F configfile] [-I pkcs11] [-i identity_file]\n" +
  "           [-J destination] [-L address] [-l login_name] [-m mac_spec]\n" +
  "           [-O ctl_cmd] [-o option] [-P tag] [-p port] [-R address]\n" +
  "           [-S ctl_path] [-W host:port] [-w local_tun[:remote_tun]]\n" +
  "           destination [command [argument ...]]\n";

/** The simulated host a name or address reaches. */
export function resolveSimHost(root: string, name: string): string | undefined {
  return listHosts(root).find((h) => h === name || readHost(root, h).addresses.includes(name));
}

export async function sshMain(root: string, source: string, io: ToolIo): Promise<number> {
  return withToolRun(root, source, "ssh", io, async () => {
    const parsed = parse(io.argv);
    if ("usage" in parsed) {
      io.stderr(`${parsed.usage ? `${parsed.usage}\n` : ""}${USAGE}`);
      return 255;
    }
    for (const identity of parsed.identities) {
      try {
        accessSync(identity, constants.R_OK);
      } catch {
        io.stderr(`Warning: Identity file ${identity} not accessible: No such file or directory.\n`);
      }
    }
    const target = resolveSimHost(root, parsed.target);
    if (target === undefined) {
      io.stderr(`ssh: Could not resolve hostname ${parsed.target}: Name or service not known\n`);
      return 255;
    }
    const record = readHost(root, target);
    if (!record.up) {
      io.stderr(`ssh: connect to host ${parsed.target} port ${parsed.port}: No route to host\n`);
      return 255;
    }
    const clock = clockFor(record, io.env);
    await clock.sleep(clock.ms("sshConnectMs"));
    if (record.knobs.sshHang) await hangForever();
    if (record.knobs.sshDeny) {
      io.stderr(`${parsed.user}@${parsed.target}: Permission denied (publickey).\n`);
      return 255;
    }
    // Real ssh sends one line, which the remote shell splits again: so does the simulator (remote-shell.ts).
    const remote = splitRemoteLine(parsed.command.join(" "));
    if (!remote.ok) {
      io.stderr(`xen-ha sim ssh: refusing the remote command line: ${remote.problem}\n`);
      return 2;
    }
    const [file, ...args] = remote.words;
    if (file === undefined) {
      io.stderr("xen-ha sim ssh: no remote command given (the simulated ssh has no interactive shell)\n");
      return 255;
    }
    // the remote shell's PATH: the target's tools, then the system's; never the caller's simulated tools
    const system = (io.env["PATH"] ?? "/usr/bin:/bin").split(delimiter).filter((dir) => !dir.startsWith(`${hostsDir(root)}${sep}`));
    const path = [hostPaths(root, target).binDir, ...system].join(delimiter);
    const env = { ...io.env, XEN_SIM_ROOT: root, XEN_SIM_HOST: target, PATH: path };
    const code = await runInherited(file, args, env, io.cwd);
    if (code === null) {
      io.stderr(`bash: line 1: ${file}: command not found\n`);
      return 127;
    }
    return code;
  });
}
