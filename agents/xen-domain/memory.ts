import { genericError } from "../../lib/ocf/exit-code.ts";
import { memoryNeedMiB, type DomainSettings } from "../../lib/toolstack/domain-settings.ts";
import type { HostInfo, Toolstack } from "../../lib/toolstack/toolstack.ts";
import type { XenContext } from "./deps.ts";
import { conditionOf } from "./observe.ts";

/** No guest is ballooned below this, whatever its maximum. */
const GUEST_FLOOR_MIB = 256;
const BALLOON_POLL_MS = 500;
/** Balloon drivers move a few hundred MiB per second; xl's own autoballoon allows ~30 s. */
const BALLOON_WAIT_CAP_MS = 30_000;

/**
 * Without dom0_mem= on Xen's command line, xl's default autoballoon ("auto")
 * shrinks Domain-0 to make room for a new guest (doc/xl-behaviour.md §2.3, §2.5), so
 * Domain-0's memory above reserved_Dom0_memory counts as available.
 */
async function dom0Spare(ctx: XenContext, toolstack: Toolstack, info: HostInfo): Promise<number> {
  if (info.xenCommandline === undefined || /(^|\s)dom0_mem=/.test(info.xenCommandline)) return 0;
  const dom0 = (await toolstack.list()).find((row) => row.domid === 0);
  return Math.max(0, (dom0?.memoryMiB ?? 0) - ctx.params.reserved_Dom0_memory);
}

/**
 * allow_mem_management: take `deficit` MiB from the other running guests,
 * in proportion to what each can spare above its floor (half its maximum,
 * at least 256 MiB), with `xl mem-set`. Nothing is changed when they cannot
 * spare enough together, and no configuration file is ever edited.
 */
async function makeRoom(ctx: XenContext, toolstack: Toolstack, name: string, deficit: number, shortage: string): Promise<void> {
  const bounds = await toolstack.memoryBounds();
  const donors = (await toolstack.list())
    .filter((row) => row.domid !== 0 && row.name !== undefined && row.name !== name && conditionOf(row.state) === "running")
    .map((row) => {
      const known = bounds.find((b) => b.domid === row.domid);
      const current = known?.targetMemoryMiB ?? row.memoryMiB;
      const floor = Math.max(GUEST_FLOOR_MIB, Math.ceil((known?.maxMemoryMiB ?? row.memoryMiB) / 2));
      return { name: row.name!, current, spare: Math.max(0, current - floor) };
    })
    .sort((a, b) => b.spare - a.spare);
  const total = donors.reduce((sum, d) => sum + d.spare, 0);
  if (total < deficit) {
    throw genericError(`not enough memory: ${shortage}; the other guests can spare only ${total} MiB above their floors`);
  }
  let left = deficit;
  for (const donor of donors) {
    const take = Math.min(donor.spare, Math.ceil((deficit * donor.spare) / total), left);
    if (take <= 0) continue;
    ctx.log.info(`ballooning ${donor.name} from ${donor.current} to ${donor.current - take} MiB to make room for ${name}`);
    await toolstack.setMemoryTarget(donor.name, donor.current - take);
    left -= take;
  }
}

/**
 * Start's pre-flight: the host must have the memory the new domain needs
 * (`xl info` free_memory, plus Domain-0's spare under autoballoon). Without
 * it the start fails at once with the figures, instead of inside xl create.
 * `asked`: that `xl info`, when start asked it ahead (start.ts).
 */
export async function ensureMemory(ctx: XenContext, toolstack: Toolstack, name: string, settings: DomainSettings, asked?: Promise<HostInfo>): Promise<void> {
  const need = memoryNeedMiB(settings);
  const info = await (asked ?? toolstack.hostInfo());
  const spare = info.freeMemoryMiB >= need ? 0 : await dom0Spare(ctx, toolstack, info);
  const available = info.freeMemoryMiB + spare;
  if (available >= need) return;
  const shortage =
    `domain ${name} needs ${need} MiB, the host has ${info.freeMemoryMiB} MiB free of ${info.totalMemoryMiB} MiB` +
    (spare > 0 ? ` (+${spare} MiB Domain-0 can give up)` : "");
  if (!ctx.params.allow_mem_management) throw genericError(`not enough memory: ${shortage}`);
  await makeRoom(ctx, toolstack, name, need - available, shortage);

  const waitMs = Math.min(BALLOON_WAIT_CAP_MS, ctx.deadline.remainingMs() / 2);
  const started = ctx.deadline.elapsedMs();
  for (;;) {
    const now = await toolstack.hostInfo();
    if (now.freeMemoryMiB + spare >= need) return;
    if (ctx.deadline.elapsedMs() - started >= waitMs) {
      throw genericError(`not enough memory: after ballooning other guests for ${Math.round(waitMs / 1000)} s, ${now.freeMemoryMiB} MiB are free; domain ${name} needs ${need} MiB`);
    }
    await ctx.deps.sleep(BALLOON_POLL_MS);
  }
}
