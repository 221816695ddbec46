import type { Command } from "commander";
import { DEFAULT_PERSONA, PERSONA_IDS } from "../sim/personas.ts";
import type { CliIo } from "./io.ts";
import type { ConfigOptions, EnvOptions, GuestFlags, Where } from "./sim-actions.ts";
import type { Register } from "./program.ts";

/**
 * `xen-ha sim ...`: the Xen toolstack simulator as an admin/tester tool
 * (lib/sim/README.md). Declared here; the simulator (sim-actions.ts) loads
 * when a command runs.
 */

const actions = () => import("./sim-actions.ts");

export const simCommands: Register = (program: Command, io: CliIo): void => {
  const sim = program.command("sim").description("the Xen toolstack simulator: fake xl/xm/ssh on simulated hosts");
  const rootOption = ["--root <dir>", "simulation root (default: $XEN_SIM_ROOT, else ${TMPDIR:-/tmp}/xen-ha-sim)"] as const;
  const hostOption = ["--host <name>", "simulated host (default: $XEN_SIM_HOST, else node1)"] as const;

  sim
    .command("env")
    .description("create (or reuse) a simulated host and print the export lines that make xl/xm/ssh its")
    .option(...rootOption)
    .option(...hostOption)
    .option("--persona <persona>", `toolstack persona: ${PERSONA_IDS.join(", ")} (default: ${DEFAULT_PERSONA} for a new host)`)
    .option("--time-factor <f>", "scale every simulated latency (e.g. 0.05)")
    .option("--memory <MiB>", "host memory for a new host")
    .option("--address <name...>", "other names the fake ssh resolves to this host")
    .action(async (options: EnvOptions) => (await actions()).env(io, options));

  sim
    .command("config <name>")
    .description("write a sample domain config (default <root>/shared/NAME.cfg) and print its path")
    .option(...rootOption)
    .option("--memory <MiB>", "memory", "512")
    .option("--vcpus <n>", "vcpus", "1")
    .option("--type <type>", "pv, pvh or hvm", "pv")
    .option("--out <file>", "where to write it")
    .action(async (name: string, options: ConfigOptions) => (await actions()).config(io, name, options));

  sim
    .command("knob <key=value...>")
    .description("set host knobs: hypervisor, autoballoon, dom0MinMiB, zombieMs (ms|never), xendomains, hang=CMD[,CMD], fail.CMD=N, slowMs.CMD=MS, sshDeny, sshHang, timing.NAME=MS")
    .option(...rootOption)
    .option(...hostOption)
    .action(async (words: string[], options: Where) => (await actions()).knob(io, words, options));

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
    .action(async (name: string, given: string[], options: Where & GuestFlags) => (await actions()).guest(io, name, given, options));

  const hostCommand = sim.command("host").description("kill or start a simulated host");
  hostCommand
    .command("kill <host>")
    .description("the host dies: all its domains and toolstack calls are killed")
    .option(...rootOption)
    .action(async (host: string, options: Where) => (await actions()).hostKill(io, host, options));
  hostCommand
    .command("start <host>")
    .description("boot a killed host (fresh hypervisor; xendomains autostart if enabled)")
    .option(...rootOption)
    .action(async (host: string, options: Where) => (await actions()).hostStart(io, host, options));

  sim
    .command("status")
    .description("every simulated host and its domains")
    .option(...rootOption)
    .action(async (options: Where) => (await actions()).status(io, options));

  sim
    .command("calls")
    .description("the host's toolstack call log: one line per xl/xm/ssh call (exit code, ms, argv)")
    .option(...rootOption)
    .option(...hostOption)
    .action(async (options: Where) => (await actions()).calls(io, options));

  sim
    .command("cleanup")
    .description("kill every process the simulator started under the root (by pid); hosts are left down")
    .option(...rootOption)
    .action(async (options: Where) => (await actions()).cleanup(io, options));
};
