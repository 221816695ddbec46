import { resolve } from "node:path";
import type { Command } from "commander";
import {
  callLog,
  cleanupSim,
  createSimHost,
  defaultSimRoot,
  ENV_HOST,
  ENV_ROOT,
  killHost,
  killMonitor,
  PERSONA_IDS,
  setGuestBehaviour,
  setHostKnobs,
  setRootTimeFactor,
  startHost,
  stopGuest,
  writeSampleConfig,
  type PersonaId,
} from "../sim/index.ts";
import { parseBehaviourWords, parseKnobWords } from "../sim/knob-text.ts";
import { formatStatus } from "../sim/sim-status.ts";
import { readHost } from "../sim/host/store.ts";
import { domainNameProblem } from "../toolstack/domain-name.ts";
import { SYSROOT_ENV } from "../toolstack/host-evidence.ts";
import { CliError, CliExit, type CliIo } from "./io.ts";
import type { Register } from "./program.ts";

/** `xen-ha sim ...`: the Xen toolstack simulator as an admin/tester tool (lib/sim/README.md). */

interface Where {
  readonly root?: string;
  readonly host?: string;
}

const rootOf = (options: Where, io: CliIo): string => resolve(io.cwd, options.root ?? io.env[ENV_ROOT] ?? defaultSimRoot(io.env));
const hostOf = (options: Where, io: CliIo): string => options.host ?? io.env[ENV_HOST] ?? "node1";
const shellQuote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;

function positiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new CliError(CliExit.Usage, `not a positive number: ${text}`);
  return value;
}

/** A domain name as every xen-ha tool accepts it (never Domain-0, never a leading '-'). */
function domainName(name: string): void {
  const problem = domainNameProblem(name);
  if (problem) throw new CliError(CliExit.Usage, `not a usable domain name: ${problem}`);
}

function existingHost(options: Where, io: CliIo): { root: string; host: string } {
  const root = rootOf(options, io);
  const host = hostOf(options, io);
  try {
    readHost(root, host);
  } catch (error) {
    throw new CliError(CliExit.BadInput, error instanceof Error ? error.message : String(error));
  }
  return { root, host };
}

interface GuestFlags {
  readonly ignoreShutdown?: boolean;
  readonly hangBoot?: boolean;
  /** commander's --no-shutdown-watch */
  readonly shutdownWatch?: boolean;
  /** commander's --no-pv-drivers */
  readonly pvDrivers?: boolean;
  readonly crash?: boolean;
  readonly poweroff?: boolean;
  readonly reboot?: boolean;
  readonly killMonitor?: boolean;
}

export const simCommands: Register = (program: Command, io: CliIo): void => {
  const sim = program.command("sim").description("the Xen toolstack simulator: fake xl/xm/ssh on simulated hosts");
  const rootOption = ["--root <dir>", "simulation root (default: $XEN_SIM_ROOT, else ${TMPDIR:-/tmp}/xen-ha-sim)"] as const;
  const hostOption = ["--host <name>", "simulated host (default: $XEN_SIM_HOST, else node1)"] as const;

  sim
    .command("env")
    .description("create (or reuse) a simulated host and print the export lines that make xl/xm/ssh its")
    .option(...rootOption)
    .option(...hostOption)
    .option("--persona <persona>", `toolstack persona: ${PERSONA_IDS.join(", ")} (default: xl-4.17 for a new host)`)
    .option("--time-factor <f>", "scale every simulated latency (e.g. 0.05)")
    .option("--memory <MiB>", "host memory for a new host")
    .option("--address <name...>", "other names the fake ssh resolves to this host")
    .action((options: Where & { persona?: string; timeFactor?: string; memory?: string; address?: string[] }) => {
      if (options.persona !== undefined && !(PERSONA_IDS as readonly string[]).includes(options.persona)) {
        throw new CliError(CliExit.Usage, `unknown persona ${options.persona} (known: ${PERSONA_IDS.join(", ")})`);
      }
      const root = rootOf(options, io);
      const timeFactor = options.timeFactor === undefined ? undefined : positiveNumber(options.timeFactor);
      if (timeFactor !== undefined) setRootTimeFactor(root, timeFactor);
      const host = createSimHost({
        root,
        host: hostOf(options, io),
        ...(options.persona ? { persona: options.persona as PersonaId } : {}),
        ...(timeFactor !== undefined ? { timeFactor } : {}),
        ...(options.memory ? { memoryMiB: positiveNumber(options.memory) } : {}),
        ...(options.address ? { addresses: options.address } : {}),
      });
      io.stdout(`export ${ENV_ROOT}=${shellQuote(host.root)}\n`);
      io.stdout(`export ${ENV_HOST}=${shellQuote(host.host)}\n`);
      io.stdout(`export PATH=${shellQuote(host.binDir)}:"$PATH"\n`);
      io.stdout(`export ${SYSROOT_ENV}=${shellQuote(host.env[SYSROOT_ENV] ?? "")}\n`);
    });

  sim
    .command("config <name>")
    .description("write a sample domain config (default <root>/shared/NAME.cfg) and print its path")
    .option(...rootOption)
    .option("--memory <MiB>", "memory", "512")
    .option("--vcpus <n>", "vcpus", "1")
    .option("--type <type>", "pv, pvh or hvm", "pv")
    .option("--out <file>", "where to write it")
    .action((name: string, options: Where & { memory: string; vcpus: string; type: string; out?: string }) => {
      domainName(name);
      if (!["pv", "pvh", "hvm"].includes(options.type)) throw new CliError(CliExit.Usage, `unknown type ${options.type}`);
      const file = writeSampleConfig({
        root: rootOf(options, io),
        name,
        memoryMiB: positiveNumber(options.memory),
        vcpus: positiveNumber(options.vcpus),
        type: options.type as "pv" | "pvh" | "hvm",
        ...(options.out ? { out: resolve(io.cwd, options.out) } : {}),
      });
      io.stdout(`${file}\n`);
    });

  sim
    .command("knob <key=value...>")
    .description("set host knobs: hypervisor, autoballoon, dom0MinMiB, zombieMs (ms|never), xendomains, hang=CMD[,CMD], fail.CMD=N, slowMs.CMD=MS, sshDeny, sshHang, timing.NAME=MS")
    .option(...rootOption)
    .option(...hostOption)
    .action((words: string[], options: Where) => {
      const { root, host } = existingHost(options, io);
      const parsed = parseKnobWords(words, readHost(root, host).knobs);
      if ("error" in parsed) throw new CliError(CliExit.Usage, parsed.error);
      setHostKnobs(root, host, parsed.value);
    });

  sim
    .command("guest <name> [key=value...]")
    .description("set a guest's behaviour (bootMs, ackMs, shutdownMs, crashAfterMs, ignoreShutdown, hangBoot, noShutdownWatch, pvDrivers, acpiPowerButton, balloonMiBPerS, busy) or act on it")
    .option(...rootOption)
    .option(...hostOption)
    .option("--ignore-shutdown", "same as ignoreShutdown=on")
    .option("--hang-boot", "same as hangBoot=on")
    .option("--no-shutdown-watch", "same as noShutdownWatch=on")
    .option("--no-pv-drivers", "same as pvDrivers=off")
    .option("--crash", "the guest crashes now")
    .option("--poweroff", "the guest powers itself off now")
    .option("--reboot", "the guest reboots itself now")
    .option("--kill-monitor", "kill the domain's xl monitoring daemon")
    .action((name: string, given: string[], options: Where & GuestFlags) => {
      domainName(name);
      const { root, host } = existingHost(options, io);
      const words = [
        ...given,
        ...(options.ignoreShutdown ? ["ignoreShutdown=on"] : []),
        ...(options.hangBoot ? ["hangBoot=on"] : []),
        ...(options.shutdownWatch === false ? ["noShutdownWatch=on"] : []),
        ...(options.pvDrivers === false ? ["pvDrivers=off"] : []),
      ];
      const parsed = parseBehaviourWords(words);
      if ("error" in parsed) throw new CliError(CliExit.Usage, parsed.error);
      if (words.length > 0) setGuestBehaviour(root, host, name, parsed.value);
      const reason = options.crash ? "crash" : options.poweroff ? "poweroff" : options.reboot ? "reboot" : undefined;
      if (reason && !stopGuest(root, host, name, reason)) throw new CliError(CliExit.Problems, `no domain ${name} on ${host}`);
      if (options.killMonitor && !killMonitor(root, host, name)) throw new CliError(CliExit.Problems, `${name} on ${host} has no monitor`);
    });

  const hostCommand = sim.command("host").description("kill or start a simulated host");
  hostCommand
    .command("kill <host>")
    .description("the host dies: all its domains and toolstack calls are killed")
    .option(...rootOption)
    .action((host: string, options: Where) => killHost(existingHost({ ...options, host }, io).root, host));
  hostCommand
    .command("start <host>")
    .description("boot a killed host (fresh hypervisor; xendomains autostart if enabled)")
    .option(...rootOption)
    .action(async (host: string, options: Where) => {
      for (const result of await startHost(existingHost({ ...options, host }, io).root, host)) {
        io.stdout(`xendomains: ${result.command}: exit ${result.exitCode}\n`);
        io.stderr(result.stderr);
      }
    });

  sim
    .command("status")
    .description("every simulated host and its domains")
    .option(...rootOption)
    .action((options: Where) => io.stdout(formatStatus(rootOf(options, io))));

  sim
    .command("calls")
    .description("the host's toolstack call log: one line per xl/xm/ssh call (exit code, ms, argv)")
    .option(...rootOption)
    .option(...hostOption)
    .action((options: Where) => {
      const { root, host } = existingHost(options, io);
      for (const call of callLog(root, host)) {
        const code = call.exitCode === undefined ? "-" : String(call.exitCode);
        const ms = call.durationMs === undefined ? "-" : String(call.durationMs);
        io.stdout(`${code.padStart(3)} ${ms.padStart(6)} ms  ${call.tool} ${call.argv.join(" ")}\n`);
      }
    });

  sim
    .command("cleanup")
    .description("kill every process the simulator started under the root (by pid); hosts are left down")
    .option(...rootOption)
    .action((options: Where) => cleanupSim(rootOf(options, io)));
};
