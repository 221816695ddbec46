import type { SimContext } from "../context.ts";
import { buildDomain, destroyDomain } from "./lifecycle.ts";
import { reasonCode, type DomainConfig, type DomainRecord, type ShutdownAction } from "./model.ts";
import type { MonitorLog } from "./monitor-log.ts";
import { ignoreStrayWakes, WAKE_SIGNAL } from "./processes.ts";
import { findByDomid, HostMissing } from "./store.ts";

/**
 * xl's domain monitoring daemon (xl_vmcontrol.c create_domain after
 * daemonize): waits for the domain to shut down and carries out on_poweroff,
 * on_reboot, on_crash; restart = destroy, sleep(2), create again with a new
 * domid. Under the xm persona it plays xend, which does the same job
 * without the sleep but refuses to restart a guest that dies within 60 s of
 * starting (XendDomainInfo.py _restart). What each writes to its log:
 * monitor-log.ts.
 */
const POLL_MS = 200;

export interface MonitorOptions {
  readonly log: MonitorLog;
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
  log.waiting(config.name, domid);
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
      log.destroyed(domid);
      return;
    }
    if (domain.monitorPid !== process.pid) return;
    if (domain.shutdownReason === null) continue;
    config = domain.config ?? config;
    const code = reasonCode(domain.shutdownReason);
    log.shutDown(domid, config.name, domain.shutdownReason, code);
    if (domain.shutdownReason === "suspend") {
      // xl's daemon exits here: a domain resumed after a failed migration is unmonitored
      ctx.update((record) => {
        const suspended = findByDomid(record, domid);
        if (suspended?.monitorPid === process.pid) suspended.monitorPid = null;
      });
      log.suspended();
      log.exiting();
      return;
    }
    let action = actionFor(config, domain);
    const ranMs = Date.now() - domain.createdAt;
    if (options.xend && action.endsWith("restart") && ranMs < ctx.clock.ms("xmMinimumRestartMs")) {
      log.tooFast(config.name, ranMs / 1000);
      action = "destroy";
    }
    log.action(code, action);
    if (action.startsWith("coredump-")) {
      log.coreDump(config.name);
      action = action === "coredump-restart" ? "restart" : "destroy";
    }
    if (action === "preserve") {
      log.exiting();
      return;
    }
    if (action === "rename-restart") {
      const suffix = new Date().toISOString().replace(/[-:]/g, "").replace(/^(\d{8}T\d{4}).*$/, "-$1Z");
      log.preserving(domid, config.name, suffix);
      ctx.update((record) => {
        const old = findByDomid(record, domid);
        if (old) old.name = `${config?.name}${suffix}`;
      });
    } else {
      log.cleaningUp(domid);
      await destroyDomain(ctx, domid);
    }
    if (action === "destroy") {
      log.exiting();
      return;
    }
    log.rebooting();
    // xl sleeps 2 s before re-creating ("XXX FIXME: If this sleep is not there then domain re-creation fails sometimes"); xend does not
    if (!options.xend) await ctx.clock.sleep(ctx.clock.ms("restartGapMs"));
    const built = await buildDomain(ctx, config, false);
    if (!built.ok) {
      log.restartFailed(domid, built.stderr);
      return;
    }
    domid = built.domid;
    if (!registerMonitor(ctx, domid, config.uuid)) return;
    log.waiting(config.name, domid);
  }
}
