import { ToolExit, type SimContext } from "../context.ts";
import { count, type ParsedOptions } from "./getopt.ts";
import { wakeLater } from "../host/hypervisor.ts";
import { libxlLine } from "./messages.ts";
import { reasonCode, type DomainRecord, type HostRecord } from "../host/model.ts";
import { behaviourOf, findByDomid } from "../host/store.ts";
import { findDomain, type XlCommand } from "./command.ts";

/**
 * `xl shutdown` and `xl reboot` (xl_vmcontrol.c main_shutdown_or_reboot;
 * libxl_domain.c libxl__domain_pvcontrol): write the control node, wait up
 * to 60 s for the guest's ack (Xen >= 4.13), optionally wait for shutdown
 * (-w) or death (-ww). HVM guests without PV drivers need -F (ACPI).
 */
const ACK_POLL_MS = 5;

interface Power {
  readonly request: "poweroff" | "reboot";
  readonly what: "shutdown" | "reboot";
  readonly announce: string;
  readonly acpiEvent: "power" | "reset";
  readonly acpiName: string;
}

const SHUTDOWN: Power = { request: "poweroff", what: "shutdown", announce: "Shutting down", acpiEvent: "power", acpiName: "power button" };
const REBOOT: Power = { request: "reboot", what: "reboot", announce: "Rebooting", acpiEvent: "reset", acpiName: "reset button" };

/** HVM guests without PV drivers have no PV control interface (libxl's ERROR_NOPARAVIRT). */
export function hasPvControl(record: HostRecord, domain: DomainRecord): boolean {
  if (domain.type !== "hvm") return true;
  return (domain.config?.pvDrivers ?? true) && behaviourOf(record, domain.name).pvDrivers;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForAck(ctx: SimContext, domid: number): Promise<boolean> {
  const giveUpAt = Date.now() + ctx.clock.ms("ackTimeoutMs");
  for (;;) {
    const domain = findByDomid(ctx.read(), domid);
    // a removed node (domain gone or being destroyed) also counts as an ack
    if (!domain || domain.control === "" || domain.control === null) return true;
    if (Date.now() >= giveUpAt) return false;
    await pause(ACK_POLL_MS);
  }
}

async function signalDomain(ctx: SimContext, domid: number, power: Power, fallback: boolean): Promise<void> {
  ctx.io.stderr(`${power.announce} domain ${domid}\n`);
  await ctx.clock.sleep(ctx.clock.ms("controlMs"));
  const outcome = ctx.update((record) => {
    const domain = findByDomid(record, domid);
    if (!domain || domain.name === null) return "missing";
    if (!hasPvControl(record, domain)) {
      if (fallback) domain.acpiEvent = power.acpiEvent;
      wakeLater(domain.guestPid);
      return "no-pv";
    }
    domain.control = power.request;
    wakeLater(domain.guestPid);
    return "sent";
  });
  let rc = 0;
  if (outcome === "missing") {
    ctx.io.stderr(libxlLine("error", "libxl__domain_type", null, `unable to get domain type for domid=${domid}`));
    rc = -3;
  } else if (outcome === "no-pv") {
    if (fallback) {
      ctx.io.stderr(`PV control interface not available: sending ACPI ${power.acpiName} event.\n`);
    } else {
      ctx.io.stderr(`PV control interface not available: external graceful ${power.what} not possible.\n`);
      ctx.io.stderr(`Use "-F" to fallback to ACPI ${power.acpiEvent} event.\n`);
      rc = -10;
    }
  } else if (ctx.persona.waitsForAck && !(await waitForAck(ctx, domid))) {
    ctx.io.stderr(libxlLine("error", "pvcontrol_cb", null, "guest didn't acknowledge control request: -9"));
    rc = -9;
  }
  if (rc !== 0) {
    ctx.io.stderr(`${power.what} failed (rc=${rc})\n`);
    throw new ToolExit(1);
  }
}

/** wait_for_domain_deaths: -w ends at shutdown or death, -ww (Xen >= 4.14) only at death. No timeout. */
async function waitForDomains(ctx: SimContext, domids: readonly number[], forDeath: boolean): Promise<void> {
  ctx.io.stderr(`Waiting for ${domids.length} domains\n`);
  const pending = new Map(domids.map((d) => [d, "waiting" as "waiting" | "shut-down"]));
  while (pending.size > 0) {
    const record = ctx.read();
    for (const [domid, state] of pending) {
      const domain = findByDomid(record, domid);
      // libxl saw the shutdown event even if the domain is already destroyed when we look
      const reason = domain?.shutdownReason ?? record.freedDomids.find((f) => f.domid === domid)?.shutdownReason ?? null;
      if (reason !== null && state === "waiting") {
        ctx.io.stderr(`Domain ${domid} has been shut down, reason code ${reasonCode(reason)}\n`);
        if (!forDeath) {
          pending.delete(domid);
          continue;
        }
        ctx.io.stderr(`Domain ${domid} continue waiting for death\n`);
        pending.set(domid, "shut-down");
      }
      if (!domain || domain.dying || domain.name === null) {
        ctx.io.stderr(`Domain ${domid} has been destroyed\n`);
        pending.delete(domid);
      }
    }
    if (pending.size > 0) await pause(ACK_POLL_MS);
  }
}

async function shutdownOrReboot(ctx: SimContext, options: ParsedOptions, power: Power): Promise<number> {
  const all = options.flags.includes("a");
  const waits = count(options, "w");
  const fallback = options.flags.includes("F");
  const argument = options.positional[0];
  if (argument === undefined && !all) {
    ctx.io.stderr("You must specify -a or a domain id.\n\n");
    return 1;
  }
  const record = ctx.read();
  const domids = all
    ? record.domains.filter((d) => d.name !== null && !d.dying).map((d) => d.domid)
    : [findDomain(ctx, record, argument as string)];
  for (const domid of domids) await signalDomain(ctx, domid, power, fallback);
  if (waits > 0) await waitForDomains(ctx, domids, waits > 1 && ctx.persona.waitForDeath);
  return 0;
}

const powerCommand = (power: Power, description: string, fallbackHelp: string): XlCommand => ({
  name: power.what,
  description,
  usage: "[options] <-a|Domain>",
  options:
    "-a, --all               Shutdown all guest domains.\n" +
    "-h                      Print this help.\n" +
    `-F                      Fallback to ACPI ${fallbackHelp} event for HVM guests with\n` +
    "                        no PV drivers.\n" +
    `-w, --wait              Wait for guest(s) to ${power.what}.\n`,
  spec: { short: "awF", long: { all: "a", wait: "w" } },
  minArgs: 0,
  run: (ctx, options) => shutdownOrReboot(ctx, options, power),
});

export const xlShutdown = powerCommand(SHUTDOWN, "Issue a shutdown signal to a domain", "power");
export const xlReboot = powerCommand(REBOOT, "Issue a reboot signal to a domain", "reset");
