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
 * answer, a look. Other `/local/domain` lines are ignored. A resource whose domain vanished with no
 * stop or migrate_to of ours under way, no fence noted by fence_xen and no restart by the toolstack is
 * reported at once with `crm_resource --fail`. Events during a look are
 * coalesced into one more look. No polling: between events it sleeps in
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
/** After xenstore-watch ends: first retry, and the longest wait between retries. */
export const RETRY_FIRST_MS = 500;
export const RETRY_MAX_MS = 30_000;

export interface WatcherDeps {
  readonly run: CommandRunner;
  readonly startLines: StartLines;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly records: () => readonly WatchedResource[];
  /** Is the toolstack restarting this domain (its monitoring process's own evidence)? */
  readonly restartEvidence: (name: string, domid: number) => Promise<Evidence>;
  /** Did fence_xen note a fence of this resource's lease (fence.ts)? Bounded; never throws. */
  readonly fenceNote: (resource: WatchedResource) => Promise<FenceLook>;
  readonly node: string;
  readonly log: Logger;
  readonly now: () => number;
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

  async function judge(resource: WatchedResource, namesNow: ReadonlySet<string>, before: ReadonlySet<string>): Promise<void> {
    if (reported.has(`${resource.resource}/${resource.domid}`)) return;
    const facts = { resource, namesNow, namesBefore: before, now: Date.now() };
    const verdict = judgeWithoutEvidence(facts) ?? judgeWithEvidence(facts, ...(await Promise.all([deps.restartEvidence(resource.name, resource.domid), deps.fenceNote(resource)])));
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

  function requestLook(): void {
    if (stopped) return;
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
    if (line.startsWith("@")) return requestLook();
    const domid = Number(DOMAIN_NODE.exec(line)?.[1] ?? Number.NaN);
    if (Number.isNaN(domid)) return;
    const resource = deps.records().find((r) => r.domid === domid);
    if (resource === undefined) return;
    quickJudge(resource, line).catch((error: unknown) => log.error(`judging ${resource.resource} failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  async function quickJudge(resource: WatchedResource, node: string): Promise<void> {
    const exists = await deps.run("xenstore-exists", [node], { timeoutMs: LS_TIMEOUT_MS, env: deps.env });
    if (exists.exitCode === 0) return; // created (or still there): not a death
    // exit 1 and silent is "no such node"; anything else (xs_open failed, killed) says nothing: look
    if (exists.exitCode !== 1 || exists.stderr.trim() !== "") return requestLook();
    await judge(resource, new Set(), new Set([resource.name, ...suspects.keys()]));
  }

  function watch(): void {
    let initialLines = WATCH_ARGS.length;
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
  }

  watch();
  return {
    done,
    stop: () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      child?.stop();
      void (looking ?? Promise.resolve()).then(finish);
    },
    idle: async () => {
      while (looking) await looking;
    },
  };
}
