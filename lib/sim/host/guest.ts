import type { Socket } from "node:net";
import { clockFor } from "../context.ts";
import { markShutdown } from "./hypervisor.ts";
import type { DomainRecord, HostRecord, ShutdownReason } from "./model.ts";
import { WAKE_SIGNAL } from "./processes.ts";
import { guestIdentity, serviceListener, servicePortFor } from "./service-ports.ts";
import { behaviourOf, findByDomid, readHost, updateHost } from "./store.ts";

/**
 * The process behind a simulated domain: its "guest OS". It boots after the
 * first unpause, registers the shutdown watch (acks control requests), shuts
 * down when asked, crashes on a knob, and serves a one-line TCP service on
 * 127.0.0.1 while it is up. The toolstack stops it with SIGSTOP while the
 * domain is paused (so a paused guest neither acks nor answers) and kills it
 * on destroy. It exits by itself once its domain or its host is gone.
 */
export interface GuestArgs {
  readonly root: string;
  readonly host: string;
  readonly domid: number;
  readonly uuid: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where the guest reports its service port (one line). */
  readonly report: (line: string) => void;
  readonly exit: () => void;
}

const IDLE_POLL_MS = 500;
/** Control requests a Linux guest understands, and the shutdown they lead to. */
const REQUESTS: Readonly<Record<string, ShutdownReason>> = { poweroff: "poweroff", halt: "poweroff", reboot: "reboot", suspend: "suspend" };

export async function runGuest(args: GuestArgs): Promise<void> {
  let serviceUp = false;
  let name = "";
  let seenRequest: { request: string; at: number } | null = null;
  let shutdownDue: { reason: ShutdownReason; at: number } | null = null;
  let timer: NodeJS.Timeout | undefined;
  // before anything else: a wake signal's default action would kill us (the toolstack signals
  // us as soon as we have reported our port, which can be before the code below runs)
  let onWake = (): void => {};
  process.on(WAKE_SIGNAL, () => onWake());

  // The service keeps its port when the guest migrates (service-ports.ts): it listens while the
  // domain is alive; the first attempt ends before the report, so a new paused domain already holds it.
  const firstName = findByDomid(readHost(args.root, args.host), args.domid)?.name ?? "";
  const port = await servicePortFor(args.root, guestIdentity(firstName));
  const service = serviceListener(
    port,
    (socket: Socket) => {
      if (serviceUp) socket.end(`${name} up\n`);
      else socket.destroy();
    },
    (line) => process.stderr.write(`guest ${args.host}/${args.domid}: ${line}\n`),
  );
  await service.want(true);
  args.report(`${port}\n`);

  let changed = false;
  const update = (change: (record: HostRecord, domain: DomainRecord) => void): void => {
    changed = true;
    updateHost(args.root, args.host, (record) => {
      const domain = findByDomid(record, args.domid);
      if (domain && domain.uuid === args.uuid) change(record, domain);
    });
  };

  const tick = (): void => {
    clearTimeout(timer);
    changed = false;
    let record: HostRecord;
    try {
      record = readHost(args.root, args.host);
    } catch (error) {
      return stop(`host state unreadable: ${String(error)}`);
    }
    const domain = findByDomid(record, args.domid);
    if (!record.up || !domain || domain.uuid !== args.uuid || domain.name === null) return stop("domain gone");
    const behaviour = behaviourOf(record, domain.name);
    const clock = clockFor(record, args.env);
    const now = Date.now();
    const deadlines: number[] = [now + IDLE_POLL_MS];
    name = domain.name;
    const alive = domain.shutdownReason === null && !domain.dying;

    if (alive && domain.bootStartedAt !== null && !domain.booted && !behaviour.hangBoot) {
      const bootDone = domain.bootStartedAt + clock.scale(behaviour.bootMs);
      if (now >= bootDone) update((_, d) => (d.booted = true));
      else deadlines.push(bootDone);
    }
    if (alive && domain.bootStartedAt !== null && domain.crashAt === null && behaviour.crashAfterMs !== null) {
      const crashAt = domain.bootStartedAt + clock.scale(behaviour.crashAfterMs);
      update((_, d) => (d.crashAt ??= crashAt));
      deadlines.push(crashAt);
    }
    if (alive && domain.crashAt !== null) {
      if (now >= domain.crashAt) update((r, d) => markShutdown(r, d, "crash", Date.now()));
      else deadlines.push(domain.crashAt);
    }

    const request = domain.control;
    const understood = request ? REQUESTS[request] : undefined;
    if (alive && domain.booted && !behaviour.noShutdownWatch && request && understood) {
      if (seenRequest?.request !== request) seenRequest = { request, at: now };
      const ackAt = seenRequest.at + clock.scale(behaviour.ackMs);
      if (now >= ackAt) {
        update((_, d) => (d.control = ""));
        seenRequest = null;
        if (!behaviour.ignoreShutdown && shutdownDue === null) {
          const delay = understood === "suspend" ? 0 : clock.scale(behaviour.shutdownMs);
          shutdownDue = { reason: understood, at: now + delay };
        }
      } else deadlines.push(ackAt);
    }
    if (alive && domain.acpiEvent !== null) {
      const event = domain.acpiEvent;
      update((r, d) => {
        d.acpiEvent = null;
        if (event === "reset") markShutdown(r, d, "reboot", Date.now());
      });
      if (event === "power" && domain.booted && behaviour.acpiPowerButton && shutdownDue === null) {
        shutdownDue = { reason: "poweroff", at: now + clock.scale(behaviour.shutdownMs) };
      }
    }
    if (alive && shutdownDue !== null) {
      if (now >= shutdownDue.at) {
        const reason = shutdownDue.reason;
        update((r, d) => markShutdown(r, d, reason, Date.now()));
        shutdownDue = null;
      } else deadlines.push(shutdownDue.at);
    }
    serviceUp = alive && domain.booted && (domain.crashAt === null || now < domain.crashAt);
    // a suspended (migrating, saved) or shut-down guest releases its address
    void service.want(alive);
    // a change of our own is re-read at once: the next step (ack, service up) may depend on it
    timer = setTimeout(tick, changed ? 0 : Math.max(1, Math.min(...deadlines) - Date.now()));
  };

  const stop = (why: string): void => {
    process.stderr.write(`guest ${args.host}/${args.domid}: exiting, ${why}\n`);
    clearTimeout(timer);
    service.close();
    args.exit();
  };

  onWake = tick;
  tick();
}
