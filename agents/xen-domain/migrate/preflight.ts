import type { CommandResult } from "../../../lib/exec/command.ts";
import { sshFailed } from "../../../lib/exec/ssh.ts";
import { genericError } from "../../../lib/ocf/exit-code.ts";
import { bridgeSysfsPath, domainDevices } from "../../../lib/toolstack/domain-devices.ts";
import { memoryNeedMiB, type DomainSettings } from "../../../lib/toolstack/domain-settings.ts";
import { parseHostInfo } from "../../../lib/toolstack/host-info.ts";
import { stderrSummary } from "../../../lib/toolstack/invoke.ts";
import type { DomainRow, Toolstack } from "../../../lib/toolstack/toolstack.ts";
import { parseXlConfig } from "../../../lib/toolstack/xl-config.ts";
import type { XenContext } from "../deps.ts";
import { CONFIG_MAX_BYTES } from "../domain-config.ts";
import { leftoversIn } from "./leftovers.ts";
import type { Transport } from "./transport.ts";
import { describe } from "../observe.ts";

/**
 * What migrate_to checks on the target before anything moves, through the
 * migration transport itself: that ssh gets there and the toolstack answers
 * (`xl info`), that it has the memory (free_memory), that no domain of this
 * name is there (a stale NAME--incoming of ours is removed: our copy runs
 * here), and that the config file, the disks and the bridges exist there
 * (one `stat`). The three reads go out at once (one round trip of waiting
 * instead of three) and are judged in that fixed order, so a refusal names
 * the same first problem whichever answer came first; the only write, removing
 * a dead leftover, happens once every check has passed.
 */
const CALL_CAP_MS = 15_000;

function unreachable(transport: Transport, result: CommandResult): never {
  const why = result.exitCode === undefined ? `no answer within ${result.durationMs} ms` : stderrSummary(result.stderr, 1) || `ssh exit ${result.exitCode}`;
  throw genericError(`target ${transport.node} (${transport.address}) is not reachable over the migration transport: ${why}`);
}

async function remoteCall(ctx: XenContext, transport: Transport, file: string, args: readonly string[]): Promise<CommandResult> {
  const result = await transport.target.run(file, args, { timeoutMs: ctx.deadline.callTimeoutMs(CALL_CAP_MS), env: ctx.deps.env });
  if (sshFailed(result.exitCode) || result.exitCode === undefined) unreachable(transport, result);
  return result;
}

function checkMemory(ctx: XenContext, transport: Transport, result: CommandResult, name: string, here: DomainRow, type: DomainSettings["type"]): void {
  const tool = ctx.deps.toolstack().name;
  if (result.exitCode !== 0) throw genericError(`${tool} on ${transport.node} does not answer: ${stderrSummary(result.stderr) || `exit ${result.exitCode}`}`);
  const info = parseHostInfo(result.stdout);
  if (!info.ok) throw genericError(`${tool} info on ${transport.node}: ${info.problem}`);
  const need = memoryNeedMiB({ memoryMiB: here.memoryMiB, type });
  if (info.value.freeMemoryMiB < need) {
    throw genericError(`not enough memory on ${transport.node}: ${name} needs ${need} MiB, it has ${info.value.freeMemoryMiB} MiB free of ${info.value.totalMemoryMiB} MiB`);
  }
}

/** No copy of the domain may be on the target; returns our own dead leftovers there (NAME--incoming / --migratedaway), to remove. */
function checkNames(transport: Transport, remote: Toolstack, rows: readonly DomainRow[], name: string): ReturnType<typeof leftoversIn> {
  const same = rows.find((row) => row.name === name);
  if (same) throw genericError(`domain ${name} already exists on ${transport.node} (id ${same.domid}, state ${same.state.letters}); not migrating onto it`);
  const leftovers = leftoversIn(rows, remote.migrationNames(name));
  for (const leftover of leftovers) {
    if (leftover.role === "migrating" || leftover.observation.kind === "running") {
      throw genericError(`${describe(leftover.observation)} on ${transport.node}; not migrating while another copy may run there`);
    }
  }
  return leftovers;
}

async function removeLeftovers(ctx: XenContext, remote: Toolstack, transport: Transport, leftovers: ReturnType<typeof leftoversIn>): Promise<void> {
  for (const leftover of leftovers) {
    // our copy runs here, so this one (paused or suspended) is a dead end of an earlier attempt
    ctx.log.warn(`${describe(leftover.observation)} on ${transport.node}, left by an interrupted migration: destroying it`);
    const answer = await remote.destroy(leftover.observation.name);
    if (answer.kind === "failed") throw genericError(`cannot remove ${leftover.observation.name} from ${transport.node}: ${answer.detail}`);
  }
}

interface Needed {
  /** What it is, as a refusal names it: `disk /dev/vg0/vm1`, `bridge xenbr1`. */
  readonly label: string;
  readonly path: string;
  readonly types: readonly string[];
}

/** Reading the config for its devices may take this long; the running domain does not depend on it. */
const DEVICES_READ_CAP_MS = 2_000;

async function neededPaths(ctx: XenContext): Promise<Needed[]> {
  const needed: Needed[] = [{ label: `config ${ctx.params.xmfile}`, path: ctx.params.xmfile, types: ["regular file"] }];
  // a user's file: bounded in size and time, never read in this process (lib/exec/read-user-file.ts)
  const read = await ctx.deps.readUserFile(ctx.params.migration_config ?? ctx.params.xmfile, {
    maxBytes: CONFIG_MAX_BYTES,
    timeoutMs: ctx.deadline.callTimeoutMs(DEVICES_READ_CAP_MS),
  });
  if (!read.ok) return needed; // the running domain's devices cannot be read here: only the config is checked
  const parsed = parseXlConfig(read.text);
  if (!parsed.ok) return needed;
  const devices = domainDevices(parsed.settings);
  if (devices.otherDisks.length > 0) ctx.log.info(`not checked on the target (not paths): ${devices.otherDisks.join(", ")}`);
  return [
    ...needed,
    ...devices.diskPaths.map((path) => ({ label: `disk ${path}`, path, types: ["block special file", "regular file"] })),
    ...devices.bridges.map((bridge) => ({ label: `bridge ${bridge}`, path: bridgeSysfsPath(bridge), types: ["directory"] })),
  ];
}

function checkPaths(transport: Transport, needed: readonly Needed[], result: CommandResult, name: string): void {
  const types = new Map(
    result.stdout.split("\n").filter(Boolean).map((line) => [line.slice(line.indexOf(":") + 1), line.slice(0, line.indexOf(":"))] as const),
  );
  const problems = needed.flatMap((n) => {
    const type = types.get(n.path);
    if (type === undefined) return [`${n.label} missing`];
    return n.types.includes(type) ? [] : [`${n.label} is a ${type}`];
  });
  if (problems.length > 0) throw genericError(`${transport.node} lacks what ${name} needs: ${problems.join(", ")}`);
  if (result.exitCode !== 0) throw genericError(`stat on ${transport.node} failed: ${stderrSummary(result.stderr) || `exit ${result.exitCode}`}`);
}

/** The settled answer, or the error its call threw (unreachable, a toolstack failure). */
const answerOf = <T>(settled: PromiseSettledResult<T>): T => {
  if (settled.status === "rejected") throw settled.reason;
  return settled.value;
};

export async function preflight(ctx: XenContext, transport: Transport, name: string, here: DomainRow, settings: DomainSettings | undefined): Promise<void> {
  const remote = transport.target.toolstack;
  const needed = await neededPaths(ctx);
  const [info, rows, stat] = await Promise.allSettled([
    remoteCall(ctx, transport, ctx.deps.toolstack().name, ["info"]),
    remote.list(),
    remoteCall(ctx, transport, "stat", ["-L", "-c", "%F:%n", "--", ...needed.map((n) => n.path)]),
  ]);
  checkMemory(ctx, transport, answerOf(info), name, here, settings?.type ?? "pv");
  const leftovers = checkNames(transport, remote, answerOf(rows), name);
  checkPaths(transport, needed, answerOf(stat), name);
  await removeLeftovers(ctx, remote, transport, leftovers);
  ctx.log.info(`pre-flight on ${transport.node} (${transport.address}) passed: reachable, memory, no other copy, config, disks and bridges present`);
}
