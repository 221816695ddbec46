import type { SimContext } from "../context.ts";
import { markShutdown, pauseDomain, unpauseDomain, wakeLater } from "../host/hypervisor.ts";
import { destroyDomain } from "../host/lifecycle.ts";
import { findByDomid, findByName, setBalloonTarget } from "../host/store.ts";
import { allViews, viewOf } from "../host/views.ts";
import { needArgs, xmDomain, xmFail, type XmCommand } from "./command.ts";
import { XM_LIST_HEADER, xmInfo, xmListRow, xmSxp } from "./format.ts";
import { hasPvControl } from "../xl/power.ts";
import { writeCore } from "../xl/dump-core.ts";
import { formatUptime } from "../xl/query.ts";

/** xm's subcommands as the simulated xend answers them. */
const positional = (args: readonly string[]): string[] => args.filter((a) => !a.startsWith("-"));

const list: XmCommand = {
  name: "list",
  usage: "[options] [Domain, ...]",
  description: "List information about all/some domains.\n  -l, --long                     Output all VM details in SXP",
  async run(ctx, args) {
    const record = ctx.read();
    const names = positional(args);
    const views = names.length > 0 ? names.map((n) => viewOf(record, xmDomain(ctx, record, n))!) : allViews(record).filter((v) => v.name !== null);
    if (args.includes("-l") || args.includes("--long")) {
      ctx.io.stdout(views.map((v) => xmSxp(v, v.record)).join(""));
    } else {
      ctx.io.stdout(XM_LIST_HEADER + views.map(xmListRow).join(""));
    }
    return 0;
  },
};

const create: XmCommand = {
  name: "create",
  usage: "<ConfigFile> [options] [vars]",
  description: "Create a domain based on <ConfigFile>.",
  // the config parser loads only for a create
  run: async (ctx, args) => (await import("./create.ts")).xmCreate(ctx, create, args),
};

/** xend's shutdown: writes the control node and returns; HVM guests without PV drivers are hard-stopped. */
async function requestShutdown(ctx: SimContext, command: XmCommand, args: readonly string[], reason: "poweroff" | "reboot"): Promise<number> {
  needArgs(ctx, command, args, 1);
  const domid = xmDomain(ctx, ctx.read(), positional(args)[0] as string);
  if (domid === 0) xmFail(ctx, "Cannot shutdown privileged domain", command);
  const name = findByDomid(ctx.read(), domid)?.name ?? "";
  const refused = ctx.update((record) => {
    const domain = findByDomid(record, domid);
    if (!domain || domain.shutdownReason !== null || domain.dying) return true;
    if (hasPvControl(record, domain)) {
      domain.control = reason;
      wakeLater(domain.guestPid);
    } else {
      markShutdown(record, domain, reason, Date.now());
    }
    return false;
  });
  if (refused) xmFail(ctx, "Domain cannot be shutdown", command);
  if (!args.includes("-w") || reason === "reboot") return 0;
  while (findByName(ctx.read(), name)?.domid === domid) await ctx.clock.sleep(Math.max(10, ctx.clock.ms("xmPollMs")));
  ctx.io.stdout(`Domain ${name} terminated\nAll domains terminated\n`);
  return 0;
}

const shutdown: XmCommand = {
  name: "shutdown",
  usage: "<Domain> [-waRH]",
  description: "Shutdown a domain.",
  run: (ctx, args) => requestShutdown(ctx, shutdown, args, "poweroff"),
};

const reboot: XmCommand = {
  name: "reboot",
  usage: "<Domain> [-wa]",
  description: "Reboot a domain.",
  run: (ctx, args) => requestShutdown(ctx, reboot, args, "reboot"),
};

const destroy: XmCommand = {
  name: "destroy",
  usage: "<Domain>",
  description: "Terminate a domain immediately.",
  async run(ctx, args) {
    needArgs(ctx, destroy, args, 1);
    const domid = xmDomain(ctx, ctx.read(), positional(args)[0] as string);
    if (domid === 0) xmFail(ctx, "Cannot destroy privileged domain", destroy);
    await destroyDomain(ctx, domid);
    return 0;
  },
};

/** xend pauses and unpauses without xl's pause count. */
function setPaused(ctx: SimContext, domid: number, paused: boolean): void {
  ctx.update((record) => {
    const domain = findByDomid(record, domid);
    if (domain && paused) pauseDomain(record, domain, false, Date.now());
    else if (domain) unpauseDomain(record, domain, false, Date.now());
  });
}

const pauseCommand = (name: "pause" | "unpause", description: string): XmCommand => {
  const command: XmCommand = {
    name,
    usage: "<Domain>",
    description,
    async run(ctx, args) {
      needArgs(ctx, command, args, 1);
      setPaused(ctx, xmDomain(ctx, ctx.read(), positional(args)[0] as string), name === "pause");
      return 0;
    },
  };
  return command;
};

/**
 * `xm dump-core [-L] [-C] <Domain> <Filename>` (xend's XendDomain.domain_dump):
 * the domain is paused while its core is written unless -L (live); -C
 * destroys it afterwards. A file that cannot be written: "Error: Failed to
 * dump core: ...", exit 1 (wording inferred from xend's source, not observed).
 */
const dumpCore: XmCommand = {
  name: "dump-core",
  usage: "[-L|--live] [-C|--crash] <Domain> [Filename]",
  description: "Dump core for a specific domain.",
  async run(ctx, args) {
    needArgs(ctx, dumpCore, args, 2);
    const live = args.includes("-L") || args.includes("--live");
    const crash = args.includes("-C") || args.includes("--crash");
    const [domain, file] = positional(args) as [string, string];
    const domid = xmDomain(ctx, ctx.read(), domain);
    if (!live) setPaused(ctx, domid, true);
    const failure = await writeCore(ctx, domid, file);
    if (!live) setPaused(ctx, domid, false);
    if (failure !== undefined) xmFail(ctx, `Failed to dump core: [Errno ${failure.startsWith("No such") ? 2 : 13}] ${failure}: '${file}'`);
    if (crash) await destroyDomain(ctx, domid);
    return 0;
  },
};

const info: XmCommand = {
  name: "info",
  usage: "[-c|--config]",
  description: "Get information about Xen host.",
  async run(ctx) {
    ctx.io.stdout(xmInfo(ctx.persona, ctx.read()));
    return 0;
  },
};

const domid: XmCommand = {
  name: "domid",
  usage: "<DomainName>",
  description: "Convert a domain name to domain id.",
  async run(ctx, args) {
    needArgs(ctx, domid, args, 1);
    ctx.io.stdout(`${xmDomain(ctx, ctx.read(), args[0] as string)}\n`);
    return 0;
  },
};

const domname: XmCommand = {
  name: "domname",
  usage: "<DomainId>",
  description: "Convert a domain id to domain name.",
  async run(ctx, args) {
    needArgs(ctx, domname, args, 1);
    const record = ctx.read();
    ctx.io.stdout(`${viewOf(record, xmDomain(ctx, record, args[0] as string))?.name}\n`);
    return 0;
  },
};

const uptime: XmCommand = {
  name: "uptime",
  usage: "[-s] [Domain, ...]",
  description: "Print uptime for all/some domains.",
  async run(ctx, args) {
    const record = ctx.read();
    const now = Date.now();
    const names = positional(args);
    const views = names.length > 0 ? names.map((n) => viewOf(record, xmDomain(ctx, record, n))!) : allViews(record, now).filter((v) => v.name);
    const rows = views.map((v) => `${(v.name ?? "").padEnd(32)} ${String(v.domid).padStart(5)} ${formatUptime((now - v.startedAt) / 1000, false)}\n`);
    ctx.io.stdout(`${"Name".padEnd(33)} ${"ID".padStart(4)} Uptime \n${rows.join("")}`);
    return 0;
  },
};

const memSet: XmCommand = {
  name: "mem-set",
  usage: "<Domain> <Mem>",
  description: "Set the current memory usage for a domain.",
  async run(ctx, args) {
    needArgs(ctx, memSet, args, 2);
    const domid = xmDomain(ctx, ctx.read(), args[0] as string);
    const mib = Number.parseInt(args[1] as string, 10);
    if (!Number.isFinite(mib)) xmFail(ctx, `Invalid memory size: ${args[1]}`, memSet);
    ctx.update((record) => {
      const domain = findByDomid(record, domid);
      if (domain) setBalloonTarget(record, domain, Math.min(mib, domain.maxMemoryMiB), Date.now());
      else if (domid === 0) record.dom0MemoryMiB = mib;
    });
    return 0;
  },
};

/** The commands above; migrate and rename live with the migration code (xm/main.ts's table). */
export const XEND_COMMANDS: readonly XmCommand[] = [
  list,
  create,
  shutdown,
  reboot,
  destroy,
  pauseCommand("pause", "Pause execution of a domain."),
  pauseCommand("unpause", "Unpause a paused domain."),
  info,
  domid,
  domname,
  uptime,
  memSet,
  dumpCore,
];
