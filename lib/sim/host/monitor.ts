import type { SimContext } from "../context.ts";
import { buildDomain, destroyDomain } from "./lifecycle.ts";
import { reasonCode, type DomainConfig, type DomainRecord, type ShutdownAction } from "./model.ts";
import { ignoreStrayWakes, WAKE_SIGNAL } from "./processes.ts";
import { findByDomid, HostMissing } from "./store.ts";

/**
 * xl's domain monitoring daemon (xl_vmcontrol.c create_domain after
 * daemonize): waits for the domain to shut down and carries out on_poweroff,
 * on_reboot, on_crash; restart = destroy, sleep(2), create again with a new
 * domid. Under the xm persona it plays xend, which does the same job but
 * refuses to restart a guest that dies within 60 s of starting.
 */
const POLL_MS = 200;

export interface MonitorOptions {
  readonly log: (line: string) => void;
  /** xm persona: xend's lifecycle rules. */
  readonly xend: boolean;
}

function waitForWake(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      process.off(WAKE_SIGNAL, done);
      resolve();
    };
    const timer = setTimeout(done, POLL_MS);
    process.on(WAKE_SIGNAL, done);
  });
}

function actionFor(config: DomainConfig, domain: DomainRecord): ShutdownAction {
  switch (domain.shutdownReason) {
    case "poweroff":
      return config.onPoweroff;
    case "reboot":
      return config.onReboot;
    case "crash":
      return config.onCrash;
    case "watchdog":
      return config.onWatchdog;
    case "soft_reset":
      return "soft-reset";
    default:
      return "destroy";
  }
}

/** Registers this process as the domain's monitor. False when the domain is already gone. */
export function registerMonitor(ctx: SimContext, domid: number, uuid: string): boolean {
  ignoreStrayWakes();
  return ctx.update((record) => {
    const domain = findByDomid(record, domid);
    if (!domain || domain.uuid !== uuid) return false;
    domain.monitorPid = process.pid;
    return true;
  });
}

export async function monitorDomain(ctx: SimContext, firstDomid: number, options: MonitorOptions): Promise<void> {
  const { log } = options;
  let domid = firstDomid;
  let config = ctx.read().domains.find((d) => d.domid === domid)?.config;
  if (!config) return;
  log(`Waiting for domain ${config.name} (domid ${domid}) to die [pid ${process.pid}]`);
  for (;;) {
    await waitForWake();
    let domain: DomainRecord | undefined;
    try {
      domain = findByDomid(ctx.read(), domid);
    } catch (error) {
      if (error instanceof HostMissing) return;
      throw error;
    }
    if (!domain || domain.name === null || domain.dying) {
      log(`Domain ${domid} has been destroyed.`);
      return;
    }
    if (domain.monitorPid !== process.pid) return;
    if (domain.shutdownReason === null) continue;
    config = domain.config ?? config;
    const code = reasonCode(domain.shutdownReason);
    log(`Domain ${domid} has shut down, reason code ${code} 0x${code.toString(16)}`);
    if (domain.shutdownReason === "suspend") {
      // xl's daemon exits here: a domain resumed after a failed migration is unmonitored
      ctx.update((record) => {
        const suspended = findByDomid(record, domid);
        if (suspended?.monitorPid === process.pid) suspended.monitorPid = null;
      });
      log("Domain has suspended.");
      log("Done. Exiting now");
      return;
    }
    let action = actionFor(config, domain);
    if (options.xend && action.endsWith("restart") && Date.now() - domain.createdAt < ctx.clock.ms("xmMinimumRestartMs")) {
      log(`Domain ${config.name} restarted too fast; destroying it instead`);
      action = "destroy";
    }
    log(`Action for shutdown reason code ${code} is ${action}`);
    if (action.startsWith("coredump-")) {
      log(`dumping core to /var/lib/xen/dump/${config.name}`);
      action = action === "coredump-restart" ? "restart" : "destroy";
    }
    if (action === "preserve") {
      log("Done. Exiting now");
      return;
    }
    if (action === "rename-restart") {
      const suffix = new Date().toISOString().replace(/[-:]/g, "").replace(/^(\d{8}T\d{4}).*$/, "-$1Z");
      log(`Preserving domain ${domid} ${config.name} with suffix${suffix}`);
      ctx.update((record) => {
        const old = findByDomid(record, domid);
        if (old) old.name = `${config?.name}${suffix}`;
      });
    } else {
      log(`Domain ${domid} needs to be cleaned up: destroying the domain`);
      await destroyDomain(ctx, domid);
    }
    if (action === "destroy") {
      log("Done. Exiting now");
      return;
    }
    log("Done. Rebooting now");
    await ctx.clock.sleep(ctx.clock.ms("restartGapMs"));
    const built = await buildDomain(ctx, config, false);
    if (!built.ok) {
      log(built.stderr.trimEnd());
      return;
    }
    domid = built.domid;
    if (!registerMonitor(ctx, domid, config.uuid)) return;
    log(`Waiting for domain ${config.name} (domid ${domid}) to die [pid ${process.pid}]`);
  }
}
