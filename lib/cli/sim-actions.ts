import { resolve } from "node:path";
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

/** The handlers of `xen-ha sim ...` (declared in sim-commands.ts), loaded when one runs. */

export interface Where {
  readonly root?: string;
  readonly host?: string;
}

export interface EnvOptions extends Where {
  readonly persona?: string;
  readonly timeFactor?: string;
  readonly memory?: string;
  readonly address?: string[];
}

export interface ConfigOptions extends Where {
  readonly memory: string;
  readonly vcpus: string;
  readonly type: string;
  readonly out?: string;
}

export interface GuestFlags {
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

export function env(io: CliIo, options: EnvOptions): void {
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
}

export function config(io: CliIo, name: string, options: ConfigOptions): void {
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
}

export function knob(io: CliIo, words: string[], options: Where): void {
  const { root, host } = existingHost(options, io);
  const parsed = parseKnobWords(words, readHost(root, host).knobs);
  if ("error" in parsed) throw new CliError(CliExit.Usage, parsed.error);
  setHostKnobs(root, host, parsed.value);
}

export function guest(io: CliIo, name: string, given: string[], options: Where & GuestFlags): void {
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
}

export const hostKill = (io: CliIo, host: string, options: Where): void => killHost(existingHost({ ...options, host }, io).root, host);

export async function hostStart(io: CliIo, host: string, options: Where): Promise<void> {
  for (const result of await startHost(existingHost({ ...options, host }, io).root, host)) {
    io.stdout(`xendomains: ${result.command}: exit ${result.exitCode}\n`);
    io.stderr(result.stderr);
  }
}

export const status = (io: CliIo, options: Where): void => io.stdout(formatStatus(rootOf(options, io)));

export function calls(io: CliIo, options: Where): void {
  const { root, host } = existingHost(options, io);
  for (const call of callLog(root, host)) {
    const code = call.exitCode === undefined ? "-" : String(call.exitCode);
    const ms = call.durationMs === undefined ? "-" : String(call.durationMs);
    io.stdout(`${code.padStart(3)} ${ms.padStart(6)} ms  ${call.tool} ${call.argv.join(" ")}\n`);
  }
}

export const cleanup = (io: CliIo, options: Where): void => cleanupSim(rootOf(options, io));
