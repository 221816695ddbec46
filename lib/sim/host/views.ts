import { cpuSecondsNow } from "./hypervisor.ts";
import { reasonCode, type DomainRecord, type HostRecord } from "./model.ts";
import { behaviourOf, currentMemoryMiB } from "./store.ts";

/** One row of the hypervisor's domain list, Domain-0 included, as list commands see it. */
export interface DomainView {
  readonly domid: number;
  /** null: the xenstore name is gone (printed `(null)`). */
  readonly name: string | null;
  readonly uuid: string;
  readonly memoryMiB: number;
  readonly maxMemoryMiB: number;
  readonly vcpus: number;
  readonly running: boolean;
  readonly blocked: boolean;
  readonly paused: boolean;
  readonly shutdown: boolean;
  readonly reasonCode: number;
  readonly crashed: boolean;
  readonly dying: boolean;
  readonly cpuSeconds: number;
  readonly startedAt: number;
  readonly record: DomainRecord | null;
}

export const DOM0_UUID = "00000000-0000-0000-0000-000000000000";

export function dom0View(record: HostRecord, now: number): DomainView {
  return {
    domid: 0,
    name: "Domain-0",
    uuid: DOM0_UUID,
    memoryMiB: record.dom0MemoryMiB,
    maxMemoryMiB: record.dom0MemoryMiB,
    vcpus: record.cpus,
    running: true,
    blocked: false,
    paused: false,
    shutdown: false,
    reasonCode: 0,
    crashed: false,
    dying: false,
    cpuSeconds: ((now - record.bootedAt) / 1000) * 0.05,
    startedAt: record.bootedAt,
    record: null,
  };
}

export function guestView(record: HostRecord, domain: DomainRecord, now: number): DomainView {
  const live = domain.pauseCount === 0 && domain.shutdownReason === null && !domain.dying;
  const busy = !domain.booted || behaviourOf(record, domain.name).busy;
  return {
    domid: domain.domid,
    name: domain.name,
    uuid: domain.uuid,
    memoryMiB: domain.dying ? 0 : currentMemoryMiB(record, domain, now),
    maxMemoryMiB: domain.maxMemoryMiB,
    vcpus: domain.vcpus,
    running: live && busy,
    blocked: live && !busy,
    paused: domain.pauseCount > 0,
    shutdown: domain.shutdownReason !== null,
    reasonCode: domain.shutdownReason === null ? 0 : reasonCode(domain.shutdownReason),
    crashed: domain.shutdownReason === "crash",
    dying: domain.dying,
    cpuSeconds: cpuSecondsNow(record, domain, now),
    startedAt: domain.createdAt,
    record: domain,
  };
}

/** Every domain in ascending domid order, Domain-0 first. */
export function allViews(record: HostRecord, now = Date.now()): DomainView[] {
  const guests = [...record.domains].sort((a, b) => a.domid - b.domid).map((d) => guestView(record, d, now));
  return [dom0View(record, now), ...guests];
}

export function viewOf(record: HostRecord, domid: number, now = Date.now()): DomainView | undefined {
  return allViews(record, now).find((v) => v.domid === domid);
}

const flag = (on: boolean, letter: string): string => (on ? letter : "-");

/** xl's six state letters: r b p s, the shutdown reason letter, d. */
export function xlState(view: DomainView): string {
  const reason = view.shutdown ? ("-rscwS"[view.reasonCode] ?? "?") : "-";
  return `${flag(view.running, "r")}${flag(view.blocked, "b")}${flag(view.paused, "p")}${flag(view.shutdown, "s")}${reason}${flag(view.dying, "d")}`;
}

/** xm's letters r b p s c d: libxc clears the shutdown flag of a crashed domain. */
export function xmState(view: DomainView): string {
  const shutdown = view.shutdown && !view.crashed;
  return `${flag(view.running, "r")}${flag(view.blocked, "b")}${flag(view.paused, "p")}${flag(shutdown, "s")}${flag(view.crashed, "c")}${flag(view.dying, "d")}`;
}
