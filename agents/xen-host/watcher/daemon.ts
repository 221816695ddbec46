import type { CommandRunner } from "../../../lib/exec/command.ts";
import type { Logger } from "../../../lib/ocf/logger.ts";
import { judgeWithEvidence, judgeWithoutEvidence, type Evidence, type Verdict } from "./judge.ts";
import type { FenceLook } from "./fence.ts";
import type { WatchedResource } from "./records.ts";
import { namesFromLs } from "./scan.ts";
import type { LineChild, StartLines } from "./stream.ts";

/**
 * The per-host domain-death watcher (doc/xen-host.md §8). One
 * `xenstore-watch @releaseDomain @introduceDomain /local/domain` child
 * tells it that some domain shut down, died or appeared (the special events
 * name no domain: doc/xenstore.md §2). Each special event starts one look:
 * `xenstore-ls -f /local/domain` (bounded), compared with the look before
 * and with the XenDomain records of this host. The quicker path: an event
 * naming exactly `/local/domain/N`, where N is the domid a record saw
 * running, is that node's creation or its removal (libxl removes it just
 * before the destroy hypercall); a line read late may be the creation of a
 * domain whose record was written meanwhile, so one bounded
 * `xenstore-exists /local/domain/N` tells them apart: gone, and that
 * resource is judged at once, without a whole look; there, nothing; no
 * answer, a look; a look asked for meanwhile (the destroy's @releaseDomain)
 * waits for that judgement, so the report does not share the CPU with it.
 * Other `/local/domain` lines are ignored. A resource whose domain vanished with no
 * stop or migrate_to of ours under way, no fence noted by fence_xen and no restart by the toolstack is
 * reported at once with `crm_resource --fail`. Events during a look are
 * coalesced into one more look. An `@introduceDomain` alone is no death:
 * its look only adds the new domain to the names of the last look, so it
 * waits up to INTRODUCE_LOOK_MS and is served by any look that starts
 * meanwhile (one look a second, not two, when domains come and go; a
 * recorded domain that dies before that look is still judged by its
 * /local/domain/N line). No polling: between events it sleeps in
 * the event loop; only a domain the toolstack is restarting is looked at
 * again, every RECHECK_MS, until it is back or RESTART_WATCH_MS pass.
 */
export const WATCH_ARGS = ["@releaseDomain", "@introduceDomain", "/local/domain"] as const;
const DOMAIN_NODE = /^\/local\/domain\/(\d+)$/;
/** Bounds of each child: a look, a report. */
export const LS_TIMEOUT_MS = 3_000;
export const REPORT_TIMEOUT_MS = 10_000;
/** A restarting domain: looked at again this often, for at most this long (xl: destroy, sleep 2 s, create). */
export const RECHECK_MS = 500;
export const RESTART_WATCH_MS = 60_000;
/** The longest an @introduceDomain waits for its look. */
export const INTRODUCE_LOOK_MS = 1_000;
/**
 * While a watch runs, whether its xenstored is still there is asked this
 * often: a xenstore-watch whose xenstored died neither prints nor exits
 * (doc/xenstore.md §2), so nothing else would tell. One bounded child and a
 * /proc scan every 30 s: a few ms of CPU, against a watcher blind for good.
 */
export const XENSTORED_CHECK_MS = 30_000;
/** After xenstore-watch ends: first retry, and the longest wait between retries. */
export const RETRY_FIRST_MS = 500;
export const RETRY_MAX_MS = 30_000;

export interface WatcherDeps {
  readonly run: CommandRunner;
  readonly startLines: StartLines;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The resources recorded running here (may be cached: it only names candidates). */
  readonly records: () => readonly WatchedResource[];
  /** One resource's record read now; absent: taken from records(). */
  readonly recordOf?: (resource: string) => WatchedResource | undefined;
  /** Is the toolstack restarting this domain (its monitoring process's own evidence)? */
  readonly restartEvidence: (name: string, domid: number) => Promise<Evidence>;
  /** Did fence_xen note a fence of this resource's lease (fence.ts)? Bounded; never throws. */
  readonly fenceNote: (resource: WatchedResource) => Promise<FenceLook>;
  readonly node: string;
  readonly log: Logger;
  readonly now: () => number;
  /** The xenstored running in dom0 (xenstored.ts), undefined when none is seen; absent: not asked. */
  readonly xenstoredIdentity?: () => string | undefined;
  /** Default XENSTORED_CHECK_MS (tests shorten it). */
  readonly xenstoredCheckMs?: number;
}

export interface Watcher {
  /** Resolves when stopped. */
  readonly done: Promise<void>;
  stop(): void;
  /** Settles once no look is running or queued (tests, benchmarks). */
  idle(): Promise<void>;
}

interface Suspect {
  readonly since: number;
}

export function startWatcher(deps: WatcherDeps): Watcher {
  const { log } = deps;
  let namesBefore: ReadonlySet<string> | undefined;
  const suspects = new Map<string, Suspect>();
  const reported = new Set<string>();
  let looking: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let child: LineChild | undefined;
  let retryMs = RETRY_FIRST_MS;
  const timers = new Set<NodeJS.Timeout>();
  /** Removals of recorded domains being judged (quickJudge), and a look asked for meanwhile. */
  const quickJudging = new Set<Promise<void>>();
  let lookOwed = false;
  /** A look owed to an @introduceDomain: any look that starts serves it. */
  let introduced: NodeJS.Timeout | undefined;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));

  const later = (ms: number, action: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) action();
    }, ms);
    timers.add(timer);
  };

  async function report(resource: WatchedResource, verdict: Extract<Verdict, { kind: "fail" }>): Promise<void> {
    const key = `${resource.resource}/${resource.domid}`;
    if (reported.has(key)) return;
    reported.add(key);
    log.error(`${verdict.why}; reporting ${resource.resource} failed on ${deps.node}`);
    const args = ["--fail", "--resource", resource.resource, "--node", deps.node];
    const result = await deps.run("crm_resource", args, { timeoutMs: REPORT_TIMEOUT_MS, env: deps.env });
    if (result.exitCode === 0) log.info(`crm_resource --fail ${resource.resource}: done`, { ms: result.durationMs });
    else log.error(`crm_resource --fail ${resource.resource} failed (${result.spawnError ?? result.signal ?? `exit ${result.exitCode}`}): ${result.stderr.trim().slice(0, 200)}; the monitor will find it`);
  }

  type Gathered = Promise<readonly [Evidence, FenceLook]>;
  /** The restart evidence and the fence note of one domain, read together (bounded; never rejects). */
  const gather = (resource: WatchedResource): Gathered => Promise.all([deps.restartEvidence(resource.name, resource.domid), deps.fenceNote(resource)] as const);
  const sameDomain = (a: WatchedResource, b: WatchedResource): boolean =>
    a.name === b.name && a.domid === b.domid && a.lease?.dir === b.lease?.dir && a.lease?.generation === b.lease?.generation;

  /** `early`: the evidence already being read for `candidate` (used only if the record read now names the same domain and lease). */
  async function judge(candidate: WatchedResource, namesNow: ReadonlySet<string>, before: ReadonlySet<string>, early?: { readonly of: WatchedResource; readonly gathered: Gathered }): Promise<void> {
    // a vanished domain is judged on its record as it is now (a stop's note may be newer than the candidates)
    const resource = namesNow.has(candidate.name) ? candidate : (deps.recordOf ?? ((id) => deps.records().find((r) => r.resource === id)))(candidate.resource);
    if (resource === undefined) return; // no longer recorded running here: a stop or migration of ours ended it
    if (reported.has(`${resource.resource}/${resource.domid}`)) return;
    const facts = { resource, namesNow, namesBefore: before, now: Date.now() };
    const verdict = judgeWithoutEvidence(facts) ?? judgeWithEvidence(facts, ...(await (early && sameDomain(early.of, resource) ? early.gathered : gather(resource))));
    const suspect = suspects.get(resource.name);
    if (verdict.kind !== "restarting") {
      suspects.delete(resource.name);
      if (verdict.kind === "ours") log.info(`domain ${resource.name} went: ${verdict.why}`);
      if (verdict.kind === "fail") await report(resource, verdict);
      return;
    }
    if (suspect && deps.now() - suspect.since > RESTART_WATCH_MS) {
      log.warn(`domain ${resource.name} has not come back within ${RESTART_WATCH_MS} ms of its restart; left to the monitor`);
      suspects.delete(resource.name);
      return;
    }
    if (!suspect) log.info(`domain ${resource.name} is being restarted by the toolstack: ${verdict.why}`);
    suspects.set(resource.name, suspect ?? { since: deps.now() });
    later(RECHECK_MS, requestLook);
  }

  async function look(): Promise<void> {
    if (introduced !== undefined) {
      timers.delete(introduced);
      clearTimeout(introduced);
      introduced = undefined;
    }
    const listed = await deps.run("xenstore-ls", ["-f", "/local/domain"], { timeoutMs: LS_TIMEOUT_MS, env: deps.env });
    if (listed.exitCode !== 0) {
      log.warn(`xenstore-ls -f /local/domain failed (${listed.spawnError ?? listed.signal ?? `exit ${listed.exitCode}`}): ${listed.stderr.trim().slice(0, 200)}`);
      return;
    }
    const namesNow = new Set(namesFromLs(listed.stdout).values());
    const before = namesBefore;
    namesBefore = namesNow;
    if (before === undefined) {
      // the first look: what runs now is the baseline
      log.info(`watching: ${namesNow.size} domains listed`);
      return;
    }
    const seen = new Set([...before, ...suspects.keys()]);
    await Promise.all(deps.records().map((resource) => judge(resource, namesNow, seen)));
  }

  function lookSoon(): void {
    if (introduced !== undefined || stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      introduced = undefined;
      requestLook();
    }, INTRODUCE_LOOK_MS);
    introduced = timer;
    timers.add(timer);
  }

  function requestLook(): void {
    if (stopped) return;
    if (quickJudging.size > 0) {
      // a recorded domain's removal is being judged: its report goes first, the look (for the others) right after
      lookOwed = true;
      return;
    }
    if (looking) {
      again = true;
      return;
    }
    looking = look()
      .catch((error: unknown) => log.error(`look at the domains failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        looking = undefined;
        if (again) {
          again = false;
          requestLook();
        }
      });
  }

  /** A line of xenstore-watch: the first ones echo the watched paths (its initial firing), one look after the last. */
  function heard(line: string, initial: boolean): void {
    if (initial) return;
    if (line === "@introduceDomain") return lookSoon();
    if (line.startsWith("@")) return requestLook();
    const domid = Number(DOMAIN_NODE.exec(line)?.[1] ?? Number.NaN);
    if (Number.isNaN(domid)) return;
    const resource = deps.records().find((r) => r.domid === domid);
    if (resource === undefined) return;
    const judging: Promise<void> = quickJudge(resource, line)
      .catch((error: unknown) => log.error(`judging ${resource.resource} failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        quickJudging.delete(judging);
        if (quickJudging.size === 0 && lookOwed) {
          lookOwed = false;
          requestLook();
        }
      });
    quickJudging.add(judging);
  }

  async function quickJudge(resource: WatchedResource, node: string): Promise<void> {
    // read while xenstore-exists runs: the line came after the removal, and xl logs its action and
    // fence_xen notes its fence before the destroy, so what they say now is what they will say then
    const gathered = gather(resource);
    const exists = await deps.run("xenstore-exists", [node], { timeoutMs: LS_TIMEOUT_MS, env: deps.env });
    if (exists.exitCode === 0) return; // created (or still there): not a death
    // exit 1 and silent is "no such node"; anything else (xs_open failed, killed) says nothing: look
    if (exists.exitCode !== 1 || exists.stderr.trim() !== "") return requestLook();
    await judge(resource, new Set(), new Set([resource.name, ...suspects.keys()]), { of: resource, gathered });
  }

  /**
   * The xenstored this watch was made in: still answering (dom0's node
   * exists: exit 0; exit 1 with xs_open's error, or no answer: gone) and
   * still the same process? If not, the watch is ended, and started again
   * by the exit handler's retries, whose initial firing brings a look.
   */
  function checkXenstored(watching: LineChild, identity: string | undefined): void {
    later(deps.xenstoredCheckMs ?? XENSTORED_CHECK_MS, () => {
      if (child !== watching) return; // that watch ended: its successor checks its own
      void deps.run("xenstore-exists", ["/local/domain/0"], { timeoutMs: LS_TIMEOUT_MS, env: deps.env }).then((probe) => {
        if (stopped || child !== watching) return;
        const now = deps.xenstoredIdentity?.();
        const why =
          probe.exitCode !== 0 && (probe.exitCode !== 1 || probe.stderr.trim() !== "")
            ? `xenstored does not answer (xenstore-exists /local/domain/0: ${probe.timedOut ? "no answer" : (probe.stderr.trim().slice(0, 200) || probe.spawnError || probe.signal || `exit ${probe.exitCode}`)})`
            : identity !== undefined && now !== identity
              ? `xenstored is not the one the watch was made in (${identity}, now ${now ?? "none"})`
              : undefined;
        if (why === undefined) return checkXenstored(watching, identity);
        log.error(`${why}: the watch sees no domain die; making it again`);
        watching.stop();
      });
    });
  }

  function watch(): void {
    let initialLines = WATCH_ARGS.length;
    const identity = deps.xenstoredIdentity?.();
    child = deps.startLines("xenstore-watch", WATCH_ARGS, deps.env, {
      line: (text) => {
        retryMs = RETRY_FIRST_MS;
        initialLines--;
        if (initialLines === 0) requestLook();
        heard(text, initialLines >= 0);
      },
      exit: ({ code, signal, startError }) => {
        child = undefined;
        if (stopped) return;
        const why = startError === "ENOENT" ? "xenstore-watch is not installed (not on PATH)" : startError ? `xenstore-watch cannot start (${startError})` : `xenstore-watch ended (${signal ?? `exit ${code}`})`;
        log.error(`${why}; domain deaths are seen only by the monitors until it runs again; retrying in ${retryMs} ms`);
        later(retryMs, watch);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      },
    });
    if (deps.xenstoredIdentity !== undefined) checkXenstored(child, identity);
  }

  watch();
  return {
    done,
    stop: () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      child?.stop();
      void Promise.all([looking, ...quickJudging]).then(finish);
    },
    idle: async () => {
      while (looking || quickJudging.size > 0) await Promise.all([looking, ...quickJudging]);
    },
  };
}
