import { join } from "node:path";
import type { Deadline } from "../../lib/ocf/deadline.ts";
import { genericError, OcfError } from "../../lib/ocf/exit-code.ts";
import type { Logger } from "../../lib/ocf/logger.ts";
import type { PlugStatus, PowerDevice } from "../../lib/fence/power-actions.ts";
import { copyNames, eachDom0Of, failuresOf, reasonOf, type Answer, type Dom0 } from "../../lib/toolstack/dom0s.ts";
import { UUID } from "../../lib/toolstack/list-verbose.ts";
import type { DomainState } from "../../lib/toolstack/toolstack.ts";
import { askHistory, fencedAfter, fencePending } from "./host-fences.ts";
import { namesByUuid } from "./uuid-lookup.ts";

/**
 * fence_xen's device: a set of dom0s. A domain is OFF only when every dom0's
 * toolstack answered and none lists it, under its name or any name it carries
 * during a migration (xl: NAME--incoming on the target, NAME--migratedaway on
 * the source; xm: migrating-NAME). A dom0 that does not answer makes the
 * state unknown, and so status, off and on fail, naming that dom0. A plug
 * that every dom0 answered for and none lists is "missing", not "off": the
 * protocol decides (lib/fence/power-actions.ts, missing_as_off). One
 * exception, on evidence only: a dom0 that the dom0 cluster fenced after this
 * action began (host-fences.ts) has no domains left, as if it had answered
 * with an empty list.
 */
export interface FenceLeaseNotes {
  /** Before the kill; false when it could not be written (then no confirmation follows). */
  announce(domain: string): Promise<boolean>;
  confirm(domain: string): Promise<void>;
}

export interface XenPowerOptions {
  readonly dom0s: readonly Dom0[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  readonly deadline: Deadline;
  readonly dump: { readonly dir: string; readonly timeoutMs: number } | undefined;
  readonly configDir: string;
  /** Set when leases are in use: fences are recorded, and `on` is refused. */
  readonly leaseNotes: FenceLeaseNotes | undefined;
  readonly now: () => number;
  /** Set when a silent dom0's fence by its cluster counts as evidence (host-fences.ts). */
  readonly hostFences: HostFenceOptions | undefined;
  readonly sleep: (ms: number) => Promise<void>;
  /** Set with delay_if_running: an off waits before destroying a domain it finds running (running-delay.ts). */
  readonly runningDelay: RunningDelayOptions | undefined;
}

export interface RunningDelayOptions {
  readonly secondsFor: (plug: string) => number;
  readonly caseVariantsOf: (plug: string) => readonly string[];
  /** What one more look and a destroy may take after the wait: the wait fits only if this is left too. */
  readonly afterDelayMs: number;
}

/**
 * Can the domain run code (a fence of its own)? Not once it has shut down
 * (crashed included), crashed (xm) or is dying. Paused counts as running: it
 * may be unpaused, and a fence it began may be in flight. Unknown (a UUID
 * plug: `xl list -v` is read for names only) counts as running: the wait is
 * the safe side.
 */
const mayRun = (state: DomainState | undefined): boolean => state === undefined || !(state.shutdown || state.crashed || state.dying);

export interface HostFenceOptions {
  /** The dom0 cluster's name of a dom0; undefined: it cannot be looked up. */
  readonly nodeOf: (dom0: Dom0) => string | undefined;
  /** When this action began (epoch ms): only a fence completed later proves anything. */
  readonly sinceMs: number;
  /** How long a look may wait for a silent dom0 to answer or be fenced (off and reboot: power_timeout; else 0). */
  readonly waitMs: number;
}

/** One history read may take this long (the dom0 answers: it is the one that just listed its domains). */
const HISTORY_CAP_MS = 5_000;
/**
 * While a silent dom0 is unsettled, a history read (and a new ask of that
 * dom0) starts this often; once the history shows its fence under way, a read
 * starts every PENDING_READ_EVERY_MS, since the record that settles it is
 * near. At most READS_AT_ONCE reads are under way per dom0.
 */
const READ_EVERY_MS = 250;
const PENDING_READ_EVERY_MS = 50;
const READS_AT_ONCE = 4;

interface Sighting {
  readonly dom0: Dom0;
  readonly names: readonly string[];
}

export function xenPowerDevice(options: XenPowerOptions): PowerDevice {
  const { dom0s, log } = options;
  const eachDom0 = eachDom0Of(dom0s);
  /** Silent dom0s that their cluster fenced during this action, with the fence that proves it: they hold no domain. */
  const fencedDom0s = new Map<Dom0, string>();
  /** Where each plug was first seen in this action: a reboot's on half creates it there again. */
  const ranOn = new Map<string, Dom0>();
  /** When waiting for silent dom0s ends (deadline.elapsedMs() terms), once a look has begun it. */
  let silentWaitEnd: number | undefined;
  /** Names under which a UUID plug was seen; needed for the lease notes. */
  const seenNames = new Map<string, string>();
  /** Plugs whose fence was announced in the pool; only those get a confirmation. */
  const announced = new Set<string>();
  /** Every guest name the dom0s listed during this action, to name what a mistyped plug may have meant. */
  const listed = new Set<string>();
  /** The state of each name a dom0 last listed for a plug: whether an off waits (delay_if_running). */
  const statesSeen = new Map<Dom0, Map<string, DomainState>>();

  async function namesOn(dom0: Dom0, plug: string): Promise<string[]> {
    if (UUID.test(plug)) return namesByUuid(dom0, plug);
    const wanted = new Set(copyNames(plug, dom0));
    const rows = await dom0.toolstack.list();
    for (const row of rows) if (row.name !== undefined && row.domid !== 0) listed.add(row.name);
    const found = rows.filter((row) => row.name !== undefined && row.domid !== 0 && wanted.has(row.name));
    statesSeen.set(dom0, new Map(found.map((row) => [row.name as string, row.state])));
    return found.map((row) => row.name as string);
  }

  /** The first answering dom0 whose history shows `dom0`'s fence since the action began, as a text; else why not, and whether a fence of it is under way. */
  async function fenceOf(dom0: Dom0, answering: readonly Dom0[], hostFences: HostFenceOptions): Promise<{ proof?: string; problem?: string; pending?: boolean }> {
    const node = hostFences.nodeOf(dom0);
    if (node === undefined) return { problem: "its cluster node name is not known (dom0_node_map)" };
    const reads = await Promise.all(answering.map((via) => askHistory(via, node, HISTORY_CAP_MS, options.env).then((read) => ({ via, read }))));
    for (const { via, read } of reads) {
      const fence = read.ok ? fencedAfter(read.fences, node, hostFences.sinceMs) : undefined;
      if (fence) return { proof: `${fence.action} of ${node} completed ${new Date(fence.completedMs ?? 0).toISOString()} (fence history on ${via.name})` };
    }
    const unread = reads.flatMap(({ read }) => (read.ok ? [] : [read.problem]));
    const since = new Date(hostFences.sinceMs).toISOString();
    const pending = reads.some(({ read }) => read.ok && fencePending(read.fences, node));
    return { problem: unread.length === reads.length ? `its fence history could not be read: ${unread.join("; ")}` : `the dom0 cluster has not fenced ${node} since ${since}`, pending };
  }

  /**
   * Dom0s that did not answer: each is asked again while the answering ones
   * are asked for the dom0 cluster's fence history, until it answers, its
   * fence is on record, or `waitMs` is over. The first history reads are
   * awaited (a status looks once); then a read starts every READ_EVERY_MS,
   * or PENDING_READ_EVERY_MS while its fence is under way, a few at once,
   * since most of a read is its ssh login and the history is looked at only
   * at its end: the fence is seen soon after it is recorded, not a whole read
   * later. The silent dom0 is asked again at most every READ_EVERY_MS (an
   * unreachable host can refuse at once). A dom0 whose fence is on record drops out of the
   * answers (it holds no domain); the others keep their failure, with what
   * the history said. Reads and asks still under way when we are done are
   * left behind.
   */
  async function settleSilent(plug: string, first: readonly Answer<string[]>[], hostFences: HostFenceOptions): Promise<Answer<string[]>[]> {
    const answers = new Map(first.map((a) => [a.dom0, a]));
    const notes = new Map<Dom0, string>();
    const asking = new Set<Dom0>();
    const reading = new Map<Dom0, number>();
    /** Per silent dom0: when its last read and its last ask started (deadline.elapsedMs() terms), and whether its fence is under way. */
    const readAt = new Map<Dom0, number>();
    const askedAt = new Map<Dom0, number>();
    const pending = new Set<Dom0>();
    const paceOf = (dom0: Dom0): number => (pending.has(dom0) ? PENDING_READ_EVERY_MS : READ_EVERY_MS);
    const silentNow = () => [...answers.values()].filter((a) => a.failure !== undefined).map((a) => a.dom0);
    const answeringNow = () => [...answers.values()].filter((a) => a.failure === undefined).map((a) => a.dom0);
    let wake = (): void => {};
    const read = (dom0: Dom0, answering: readonly Dom0[]): Promise<void> => {
      reading.set(dom0, (reading.get(dom0) ?? 0) + 1);
      readAt.set(dom0, options.deadline.elapsedMs());
      return fenceOf(dom0, answering, hostFences)
        .then(({ proof, problem, pending: underWay }) => {
          // the latest read decides: a fence that failed, or a history that could not be read, slows the pace again
          if (underWay) pending.add(dom0);
          else pending.delete(dom0);
          if (proof === undefined || answers.get(dom0)?.failure === undefined) {
            if (problem !== undefined) notes.set(dom0, problem);
            return;
          }
          log.info(`${dom0.name} does not answer, but the dom0 cluster fenced it after this fence began: its domains are gone`, { proof });
          fencedDom0s.set(dom0, proof);
          answers.delete(dom0);
        })
        .catch((error: unknown) => void notes.set(dom0, reasonOf(error))) // no evidence, never "gone"
        .finally(() => {
          reading.set(dom0, (reading.get(dom0) ?? 1) - 1);
          wake();
        });
    };
    const askAgain = (dom0: Dom0): void => {
      asking.add(dom0);
      askedAt.set(dom0, options.deadline.elapsedMs());
      void eachDom0Of([dom0])((d) => namesOn(d, plug))
        .then(([again]) => {
          if (again?.failure === undefined && answers.has(dom0) && !fencedDom0s.has(dom0)) answers.set(dom0, again as Answer<string[]>);
        })
        .catch(() => {}) // a failure other than the dom0's: the dom0 stays silent
        .finally(() => {
          asking.delete(dom0);
          wake();
        });
    };
    // one wait per action, however many looks (off looks, destroys, looks again): the first look starts it
    silentWaitEnd ??= options.deadline.elapsedMs() + hostFences.waitMs;
    if (answeringNow().length > 0) await Promise.all(silentNow().map((dom0) => read(dom0, answeringNow())));
    for (;;) {
      const [silent, answering] = [silentNow(), answeringNow()];
      if (silent.length === 0 || answering.length === 0) break;
      const every = Math.min(...silent.map(paceOf));
      if (options.deadline.elapsedMs() + every > silentWaitEnd || options.deadline.remainingMs() < every + HISTORY_CAP_MS) break;
      // a finished read or ask wakes the loop early; it starts only what is due, so the pace holds
      let nextMs = every;
      for (const dom0 of silent) {
        const now = options.deadline.elapsedMs();
        const readDue = (readAt.get(dom0) ?? -Infinity) + paceOf(dom0);
        if (now >= readDue && (reading.get(dom0) ?? 0) < READS_AT_ONCE) void read(dom0, answering);
        else if (now < readDue) nextMs = Math.min(nextMs, readDue - now);
        const askDue = (askedAt.get(dom0) ?? -Infinity) + READ_EVERY_MS;
        if (!asking.has(dom0) && now >= askDue) askAgain(dom0);
        else if (!asking.has(dom0)) nextMs = Math.min(nextMs, askDue - now);
      }
      await Promise.race([options.sleep(Math.max(1, nextMs)), new Promise<void>((resolve) => (wake = resolve))]);
    }
    return [...answers.values()].map((a) => (a.failure !== undefined && notes.get(a.dom0) ? { ...a, failure: `${a.failure} (${notes.get(a.dom0)})` } : a));
  }

  /**
   * Every dom0 asked at once (but those proven fenced); each answer, in
   * dom0_list order, is a sighting or a failure. Silent dom0s are settled
   * (settleSilent) when their answer matters: always for an off, and for a
   * status only while no dom0 has the domain (one sighting proves "on").
   */
  async function scan(plug: string, settle: "always" | "unless-seen" = "always"): Promise<{ sightings: Sighting[]; failures: string[] }> {
    const asked = eachDom0Of(dom0s.filter((dom0) => !fencedDom0s.has(dom0)));
    const first = await asked((dom0) => namesOn(dom0, plug));
    const seen = first.some((a) => a.value !== undefined && a.value.length > 0);
    const unsettled = first.some((a) => a.failure !== undefined) && (settle === "always" || !seen);
    const answers = options.hostFences && unsettled ? await settleSilent(plug, first, options.hostFences) : first;
    const sightings = answers.flatMap((a) => (a.value !== undefined && a.value.length > 0 ? [{ dom0: a.dom0, names: a.value }] : []));
    if (sightings[0] !== undefined && !ranOn.has(plug)) ranOn.set(plug, sightings[0].dom0);
    if (UUID.test(plug)) {
      const sighting = sightings[0];
      const name = sighting?.names[0];
      if (sighting !== undefined && name !== undefined) seenNames.set(plug, sighting.dom0.toolstack.ownName(name));
    }
    return { sightings, failures: failuresOf(answers) };
  }

  async function dumpCore(dom0: Dom0, name: string): Promise<void> {
    if (!options.dump) return;
    const stamp = new Date(options.now()).toISOString().replace(/[:.]/g, "");
    const file = join(options.dump.dir, `${stamp}-${name}.core`);
    const answer = await dom0.toolstack.dumpCore(name, file, options.deadline.callTimeoutMs(options.dump.timeoutMs));
    // A dump is evidence, not the fence: without it the kill still goes ahead.
    if (answer.kind === "saved") log.info(`crash dump of ${name} saved on ${dom0.name} as ${file}`);
    else log.warn(`crash dump of ${name} on ${dom0.name} failed: ${answer.detail}`);
  }

  async function destroyAll(sighting: Sighting): Promise<string[]> {
    const problems: string[] = [];
    for (const name of sighting.names) {
      await dumpCore(sighting.dom0, name);
      const answer = await sighting.dom0.toolstack.destroy(name);
      if (answer.kind === "failed") problems.push(`${sighting.dom0.name}: ${answer.detail}`);
      else log.info(`${name} ${answer.kind === "destroyed" ? "destroyed" : "already gone"} on ${sighting.dom0.name}`);
    }
    return problems;
  }

  const domainOf = (plug: string): string | undefined => (UUID.test(plug) ? seenNames.get(plug) : plug);

  /** Where and in what state the plug was seen, for the log: "node1:guest1 -b----". */
  const whereSeen = (sightings: readonly Sighting[]): string =>
    sightings.flatMap((s) => s.names.map((name) => `${s.dom0.name}:${name} ${statesSeen.get(s.dom0)?.get(name)?.letters ?? "(state not read)"}`)).join(", ");

  /**
   * delay_if_running: a plug found running (on an answering dom0) waits its
   * delay, then is looked at again; one that is gone, crashed or dying runs no
   * fence of its own and is destroyed at once. The wait must leave time for a
   * look and a destroy; when it cannot, the fence fails before it waits.
   * Returns the look the destroy acts on.
   */
  async function waitIfRunning(plug: string, look: { sightings: Sighting[]; failures: string[] }): Promise<{ sightings: Sighting[]; failures: string[] }> {
    const delay = options.runningDelay;
    if (!delay) return look;
    const seconds = delay.secondsFor(plug);
    if (seconds === 0) {
      const variants = delay.caseVariantsOf(plug);
      if (variants.length > 0) log.warn(`delay_if_running lists ${variants.join(", ")}, not ${plug}: no wait (domain names are case-sensitive)`);
      return look;
    }
    const running = look.sightings.filter((s) => s.names.some((name) => mayRun(statesSeen.get(s.dom0)?.get(name))));
    if (running.length === 0) {
      if (look.sightings.length > 0) log.info(`${plug} runs nowhere (${whereSeen(look.sightings)}): it runs no fence of its own, so it is destroyed without the delay_if_running wait`);
      return look;
    }
    const needMs = seconds * 1000 + delay.afterDelayMs;
    const leftMs = options.deadline.remainingMs();
    if (leftMs < needMs) {
      throw genericError(
        `delay_if_running: ${plug} runs (${whereSeen(running)}), but its ${seconds} s wait does not fit: ${(leftMs / 1000).toFixed(1)} s of this action are left, ` +
          `and the wait with one more look and destroy may take ${Math.ceil(needMs / 1000)} s; nothing was destroyed (lower delay_if_running, or raise power_timeout)`,
      );
    }
    log.info(`${plug} runs (${whereSeen(running)}): waiting ${seconds} s (delay_if_running) before destroying it, then looking again`);
    await options.sleep(seconds * 1000);
    const again = await scan(plug);
    log.info(`${plug} after the wait: ${again.sightings.length > 0 ? whereSeen(again.sightings) : "no dom0 lists it"}`);
    return again;
  }

  return {
    async status(plug) {
      const { sightings, failures } = await scan(plug, "unless-seen");
      if (sightings.length > 0) {
        log.debug(`${plug} found`, { on: sightings.map((s) => `${s.dom0.name}:${s.names.join("+")}`).join(" ") });
        return "on";
      }
      if (failures.length > 0) throw genericError(`cannot tell whether ${plug} runs: ${failures.join("; ")}`);
      return "missing";
    },

    describeMissing() {
      const names = [...listed].sort();
      if (names.length === 0) return "the dom0s list no guest";
      const shown = names.slice(0, 20).map((name) => JSON.stringify(name)).join(", ");
      return `the dom0s list ${shown}${names.length > 20 ? `, and ${names.length - 20} more` : ""}`;
    },

    async powerOff(plug) {
      const { sightings, failures } = await waitIfRunning(plug, await scan(plug));
      const problems = [...failures];
      for (const sighting of sightings) {
        try {
          problems.push(...(await destroyAll(sighting)));
        } catch (error) {
          if (!(error instanceof OcfError)) throw error;
          problems.push(`${sighting.dom0.name}: ${reasonOf(error)}`);
        }
      }
      if (problems.length > 0) throw genericError(`could not destroy ${plug}: ${problems.join("; ")}`);
    },

    async powerOn(plug) {
      if (options.leaseNotes) throw genericError("on is refused with lease_dir set: the domain's XenDomain resource starts it");
      if (UUID.test(plug)) throw genericError(`on needs the domain's name, not a UUID (${plug})`);
      // where a reboot's off found it first (the placement the dom0s' own rules chose: guests kept apart), then
      // dom0_list order; never a dom0 known only from its cluster's fence history, which cannot be asked
      const where = ranOn.get(plug);
      for (const dom0 of [...(where ? [where] : []), ...dom0s.filter((d) => d !== where && !fencedDom0s.has(d))]) {
        try {
          await dom0.toolstack.create(join(options.configDir, `${plug}.cfg`), plug);
          log.info(`${plug} created on ${dom0.name}`);
          return;
        } catch (error) {
          if (!(error instanceof OcfError)) throw error;
          // Only a dom0 that positively lacks the domain after a failed create lets us try the next one.
          const left = await namesOn(dom0, plug);
          if (left.length > 0) return;
          log.warn(`create of ${plug} failed on ${dom0.name}: ${reasonOf(error)}`);
        }
      }
      throw genericError(`no dom0 could create ${plug} from ${join(options.configDir, `${plug}.cfg`)}`);
    },

    async list() {
      const answers = await eachDom0((dom0) => dom0.toolstack.list());
      const problems = failuresOf(answers);
      if (problems.length > 0) throw genericError(`the list is incomplete: ${problems.join("; ")}`);
      const names = answers.flatMap((a) => (a.value ?? []).filter((row) => row.domid !== 0 && row.name !== undefined).map((row) => row.name as string));
      // Any existing domain counts as on; one that migrated may be listed by two dom0s.
      return [...new Set(names)].sort().map((name): PlugStatus => ({ plug: name, alias: "", state: "on" }));
    },

    async monitor() {
      const answers = await eachDom0((dom0) => dom0.toolstack.list());
      const problems = failuresOf(answers);
      if (problems.length === 0) return;
      // With the fence history, a silent dom0 stops no fence while one dom0 answers and its node name is known: the
      // device works. Failing here would also hold up the very fence that is needed (Pacemaker starts a fence device
      // on the survivor, monitoring it, before it runs an off with it).
      const silent = answers.filter((a) => a.failure !== undefined);
      const settleable = options.hostFences && silent.length < answers.length && silent.every((a) => options.hostFences?.nodeOf(a.dom0) !== undefined);
      if (!settleable) throw genericError(`dom0s not answering: ${problems.join("; ")}`);
      log.warn(`dom0s not answering: ${problems.join("; ")}; a fence settles them by the dom0 cluster's fence history`);
    },

    async beforeOff(plug) {
      if (!options.leaseNotes) return;
      if (UUID.test(plug)) await scan(plug, "unless-seen"); // learns the name, if any dom0 has the domain
      const domain = domainOf(plug);
      if (domain === undefined) {
        log.warn(`no dom0 shows ${plug}: its lease (if any) cannot be named, so no fence is recorded`);
        return;
      }
      announced.add(plug);
      if (!(await options.leaseNotes.announce(domain))) announced.delete(plug);
    },

    async afterOff(plug) {
      const domain = domainOf(plug);
      if (!options.leaseNotes || domain === undefined || !announced.has(plug)) return;
      await options.leaseNotes.confirm(domain);
    },
  };
}
