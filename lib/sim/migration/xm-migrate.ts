import { simContext, type SimContext } from "../context.ts";
import { hangForever } from "../host/faults.ts";
import { isRunnable, unpauseDomain } from "../host/hypervisor.ts";
import { childEnv, daemonErrorLog, destroyDomain } from "../host/lifecycle.ts";
import { spawnDetached } from "../host/processes.ts";
import type { DomainConfig, HostRecord } from "../host/model.ts";
import { createArriving, growArriving, renameLive, renameWithConfig, resumeGuest, suspendGuest } from "./domain.ts";
import { LEGACY_LIBXC, PAGES_PER_MIB, planPrecopy, transferMs } from "./precopy.ts";
import { resolveSimHost } from "../host/ssh.ts";
import { behaviourOf, findByDomid, findByName, readHost } from "../host/store.ts";
import { needArgs, xmDomain, xmFail, type XmCommand } from "../xm/command.ts";

/**
 * `xm migrate [-l|--live] [-p PORT] DOM HOST` (xen34: xm/migrate.py,
 * XendDomain.domain_migrate, XendCheckpoint.save/restore, doc/xl-behaviour.md §4.7):
 * the local xend connects to the target xend's relocation server (refused
 * when it is off, its host down, or this host not in its hosts-allow list),
 * renames the source `migrating-NAME` for the whole transfer, and the
 * target shows NAME paused from the start. Without --live the guest is
 * suspended for the whole copy. The call returns once the source copy is
 * destroyed; a failure resumes the source and gives its name back.
 *
 * Simplification: both xends run inside this xm call, so killing xm stops
 * the relocation where it is (as a xend crash would), leaving
 * `migrating-NAME` at the source and a paused NAME at the target.
 */
const BATCH_PAGES = 32 * PAGES_PER_MIB;

function parse(args: readonly string[]): { live: boolean; positional: string[] } {
  const positional: string[] = [];
  let live = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "-l" || arg === "--live") live = true;
    else if (arg === "-p" || arg === "-n" || arg === "--port" || arg === "--node") i++;
    else if (!arg.startsWith("-")) positional.push(arg);
  }
  return { live, positional };
}

/** The relocation connection (port 8002): its refusal as xend words it, or the target host. */
function connect(ctx: SimContext, host: string): { target: string } | { refused: string } {
  const target = resolveSimHost(ctx.root, host);
  if (target === undefined) return { refused: "can't connect: Name or service not known" };
  const record = readHost(ctx.root, target);
  if (!record.up) return { refused: "can't connect: No route to host" };
  const listening = record.persona === "xm" && record.knobs.hypervisor && record.knobs.relocationServer;
  if (!listening) return { refused: "can't connect: Connection refused" };
  return { target };
}

/** xend-relocation-hosts-allow: the sender's name or one of its addresses must match a pattern. */
function allowed(target: HostRecord, source: HostRecord): boolean {
  const patterns = target.knobs.relocationHostsAllow;
  if (patterns.length === 0) return true;
  const names = [source.host, ...source.addresses];
  return patterns.some((pattern) => names.some((name) => new RegExp(pattern).test(name)));
}

type Transfer = "done" | { readonly failure: string };

/** The copy to the target's xend; the target's migrationFault knob breaks it. */
async function transfer(ctx: SimContext, tctx: SimContext, domid: number, config: DomainConfig, live: boolean): Promise<Transfer> {
  const brokenPipe = { failure: "(32, 'Broken pipe')" };
  const fault = tctx.read().knobs.migrationFault;
  const clash = findByName(tctx.read(), config.name);
  if (clash) return brokenPipe; // the target's restore refuses: Domain 'NAME' already exists
  await tctx.clock.sleep(tctx.clock.ms("queryMs"));
  const created = await createArriving(tctx, config);
  if (created.kind !== "created") return brokenPipe;
  const arriving = created.domain.domid;
  const totalPages = config.memoryMiB * PAGES_PER_MIB;
  const msPerGiB = ctx.clock.timing.migrateMsPerGiB;
  const record = ctx.read();
  const plan = live
    ? planPrecopy(
        { memoryPages: totalPages, dirtyPagesPerS: behaviourOf(record, config.name).dirtyMiBPerS * PAGES_PER_MIB, linkPagesPerS: (1024 * PAGES_PER_MIB * 1000) / msPerGiB },
        LEGACY_LIBXC,
      )
    : { rounds: [], finalPages: totalPages };
  let loaded = 0;
  const send = async (pages: number, final: boolean): Promise<"ok" | "broken"> => {
    for (let left = pages; left > 0; left -= BATCH_PAGES) {
      const batch = Math.min(left, BATCH_PAGES);
      const halfway = loaded >= totalPages / 2;
      if ((fault === "drop-precopy" && !final && halfway) || (fault === "drop-stopcopy" && final) || (fault === "oom" && halfway)) {
        await destroyDomain(tctx, arriving);
        return "broken";
      }
      if (fault === "kill-receiver" && halfway) return "broken"; // the target's xend died: its paused copy stays
      if (fault === "stall" && halfway) await hangForever();
      await ctx.clock.sleep(ctx.clock.scale(transferMs(batch, msPerGiB)));
      loaded = Math.min(totalPages, loaded + batch);
      if (growArriving(tctx, arriving, Math.floor(loaded / PAGES_PER_MIB)) !== "ok") {
        await destroyDomain(tctx, arriving);
        return "broken";
      }
    }
    return "ok";
  };
  if (!live && (await suspendGuest(ctx, domid)) !== "suspended") {
    await destroyDomain(tctx, arriving);
    return { failure: "Timed out waiting for domain to suspend" };
  }
  for (const pages of plan.rounds) if ((await send(pages, false)) === "broken") return brokenPipe;
  if (live && (await suspendGuest(ctx, domid)) !== "suspended") {
    await destroyDomain(tctx, arriving);
    return { failure: "Timed out waiting for domain to suspend" };
  }
  if (live) {
    const { migrateDowntimeMinMs: low, migrateDowntimeMaxMs: high } = ctx.clock.timing;
    await ctx.clock.sleep(ctx.clock.scale(low + Math.random() * Math.max(0, high - low)));
  }
  if ((await send(Math.max(plan.finalPages, 1), true)) === "broken") return brokenPipe;
  // xc_restore is done: the target's xend unpauses its copy (or fails to, and destroys it: the source never hears)
  const started = fault !== "start-failure" && tctx.update((target) => {
    const domain = findByDomid(target, arriving);
    return domain !== undefined && unpauseDomain(target, domain, false, Date.now());
  });
  if (!started) await destroyDomain(tctx, arriving);
  // the target's xend now looks after the domain's lifecycle
  else await spawnDetached("sim-monitor", [tctx.root, tctx.host, String(arriving), config.uuid], childEnv(tctx), daemonErrorLog(tctx));
  return "done";
}

export const xmMigrate: XmCommand = {
  name: "migrate",
  usage: "<Domain> <Host>",
  description:
    "Migrate a domain to another machine.\n" +
    "  -l, --live                     Use live migration.\n" +
    "  -p=portnum, --port=portnum     Use specified port for migration.\n" +
    "  -n=nodenum, --node=nodenum     Use specified NUMA node on target.\n" +
    "  -s, --ssl                      Use ssl connection for migration.",
  async run(ctx, args) {
    needArgs(ctx, xmMigrate, args, 2);
    const { live, positional } = parse(args);
    const [dom, host] = positional as [string, string];
    const domid = xmDomain(ctx, ctx.read(), dom);
    if (domid === 0) xmFail(ctx, "Cannot migrate privileged domain 0", xmMigrate);
    const domain = findByDomid(ctx.read(), domid);
    if (!domain?.config || !domain.name || !isRunnable(domain)) xmFail(ctx, "Domain is not running", xmMigrate);
    const connection = connect(ctx, host);
    if ("refused" in connection) xmFail(ctx, connection.refused, xmMigrate);
    const tctx = simContext(ctx.root, connection.target, ctx.io);
    const name = domain.name;
    const config = domain.config;
    if (!allowed(tctx.read(), ctx.read())) xmFail(ctx, "(32, 'Broken pipe')", xmMigrate);
    ctx.update((record) => renameWithConfig(record, domid, name, `migrating-${name}`));
    const outcome = await transfer(ctx, tctx, domid, { ...config, name, memoryMiB: domain.targetMiB }, live);
    if (outcome !== "done") {
      resumeGuest(ctx, domid);
      ctx.update((record) => renameWithConfig(record, domid, `migrating-${name}`, name));
      xmFail(ctx, outcome.failure === "(32, 'Broken pipe')" ? `/usr/lib/xen/bin/xc_save 21 ${domid} 0 0 ${live ? 1 : 0} failed` : outcome.failure, xmMigrate);
    }
    await destroyDomain(ctx, domid);
    return 0;
  },
};

export const xmRename: XmCommand = {
  name: "rename",
  usage: "<Domain> <NewDomainName>",
  description: "Rename a domain.",
  async run(ctx, args) {
    needArgs(ctx, xmRename, args, 2);
    const [dom, newName] = args.filter((a) => !a.startsWith("-")) as [string, string];
    const domid = xmDomain(ctx, ctx.read(), dom);
    const outcome = renameLive(ctx, domid, newName);
    if (outcome === "name-taken") xmFail(ctx, `Domain '${newName}' already exists.`, xmRename);
    if (outcome !== "renamed") xmFail(ctx, `Domain '${dom}' does not exist.`, xmRename);
    return 0;
  },
};
