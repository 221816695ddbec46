/**
 * Benchmark part: XenHost's domain-death watcher on a simulated dom0 with
 * 10 and 100 domains, each a resource's (a XenDomain record in HA_RSCTMP,
 * as on a host where Pacemaker runs every domain). The watcher is started
 * by the installed agent's start, as the cluster starts it. Figures:
 * - CPU of the watcher process itself, and apart that of the children it
 *   waited for (the looks: the simulated xenstore-ls, a Node process where
 *   Xen's is C; the restart-evidence reads; crm_resource), idle and with
 *   one domain death and one creation per second, as % of one core;
 * - the simulated xenstore-watch's CPU, apart: it is a Node process that
 *   re-reads the host's state on every change, where Xen's is a small C
 *   program, so that share is the simulator's, not the watcher's;
 * - event-to-report latency: from the state change that removes a
 *   resource's domain (the moment xenstored fires @releaseDomain) to the
 *   fake crm_resource's own timestamp.
 * The domains are hypervisor state only (no guest processes): the watcher
 * sees xenstore, nothing else. Prints figures; asserts nothing.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { recordPath, seenRunning, updateRecord } from "../../agents/xen-domain/record.ts";
import { createLogger } from "../../lib/ocf/logger.ts";
import { createSimHost } from "../../lib/sim/index.ts";
import { finishDestroy, insertDomain, markShutdown, removeFromXenstore } from "../../lib/sim/host/hypervisor.ts";
import type { DomainConfig } from "../../lib/sim/host/model.ts";
import { updateHost } from "../../lib/sim/host/store.ts";
import { measure, median } from "./measure.ts";

const TICKS_PER_S = 100; // getconf CLK_TCK on Linux
const log = createLogger("bench", {}, () => {});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A process's own CPU (utime+stime) and that of the children it waited for (cutime+cstime), in ms. */
function cpuMs(pid: number): { readonly own: number; readonly children: number } {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ").map(Number);
    // after "(comm) ": state is [0], utime [11], stime [12], cutime [13], cstime [14]
    const ms = (ticks: number): number => (ticks * 1000) / TICKS_PER_S;
    return { own: ms((fields[11] ?? 0) + (fields[12] ?? 0)), children: ms((fields[13] ?? 0) + (fields[14] ?? 0)) };
  } catch {
    return { own: 0, children: 0 };
  }
}

const childrenOf = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

function config(name: string, index: number): DomainConfig {
  const uuid = `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`;
  return {
    name, uuid, type: "pv", memoryMiB: 16, maxMemoryMiB: 16, vcpus: 1, maxVcpus: 1, disks: [], nics: [],
    onPoweroff: "destroy", onReboot: "restart", onCrash: "destroy", onWatchdog: "destroy", pvDrivers: true,
  };
}

export interface WatcherBenchOptions {
  readonly agent: string;
  readonly base: Readonly<Record<string, string>>;
  readonly workDir: string;
  readonly simRoot: string;
  readonly basePath: string;
  readonly windowMs: number;
  readonly trials: number;
}

export async function watcherBench(options: WatcherBenchOptions): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  for (const count of [10, 100]) {
    const dir = join(options.workDir, `watcher-${count}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, "bin"), { recursive: true });
    const calls = join(dir, "crm_resource.calls");
    writeFileSync(join(dir, "bin", "crm_resource"), `#!/bin/sh\necho "$(date +%s%N) $*" >> '${calls}'\n`);
    chmodSync(join(dir, "bin", "crm_resource"), 0o755);
    const host = `bench${count}`;
    const sim = createSimHost({ root: options.simRoot, host, timeFactor: 0.05, memoryMiB: 1_048_576, basePath: options.basePath });
    const rsctmp = join(dir, "rsctmp");
    let next = 0;
    const create = (name: string): number =>
      updateHost(options.simRoot, host, (record) => {
        const made = insertDomain(record, config(name, next++), Date.now(), 0);
        if (made.kind !== "created") throw new Error(`${name}: ${made.kind}`);
        made.domain.pauseCount = 0;
        return made.domain.domid;
      });
    const kill = (domid: number): void =>
      updateHost(options.simRoot, host, (record) => {
        const domain = record.domains.find((d) => d.domid === domid);
        if (!domain) return;
        markShutdown(record, domain, "crash", Date.now());
        removeFromXenstore(record, domain);
        finishDestroy(record, domid, 0, Date.now());
      });
    for (let i = 0; i < count; i++) {
      const name = `vm${i}`;
      updateRecord(recordPath(rsctmp, name), seenRunning({ domid: create(name), name }), log);
    }
    // the churn: domains no resource owns, so that their deaths are judged, not reported
    const churn = [create("churn0")];
    const env = { ...options.base, ...sim.env, PATH: `${join(dir, "bin")}:${sim.env["PATH"]}`, HA_RSCTMP: rsctmp };
    await measure(options.agent, ["start"], env);
    const watcher = Number(readFileSync(join(rsctmp, "XenHost-xen-host.watcher"), "utf8"));
    const watcherLog = join(rsctmp, "XenHost-xen-host.watcher.log");
    for (let i = 0; i < 300 && !/watching: \d+ domains/.test(existsSync(watcherLog) ? readFileSync(watcherLog, "utf8") : ""); i++) await sleep(50);
    const xsWatch = childrenOf(watcher)[0] ?? 0;
    const sample = () => {
      const w = cpuMs(watcher);
      return { watcher: w.own, children: w.children, xs: xsWatch ? cpuMs(xsWatch).own : 0, at: Date.now() };
    };
    type Sample = ReturnType<typeof sample>;
    const percent = (from: Sample, to: Sample, key: "watcher" | "children" | "xs") => Math.round(((to[key] - from[key]) / (to.at - from.at)) * 1000) / 10;
    const cells = (from: Sample, to: Sample) => [percent(from, to, "watcher"), percent(from, to, "children"), percent(from, to, "xs")];

    // idle
    let from = sample();
    await sleep(options.windowMs);
    let to = sample();
    rows.push([`${count} domains, idle`, ...cells(from, to), "-"]);

    // churn: one death (of a domain no resource owns) and one creation per second
    from = sample();
    for (let i = 0; i * 1000 < options.windowMs; i++) {
      kill(churn.shift() as number);
      churn.push(create(`churn${next}`));
      await sleep(1000);
    }
    to = sample();
    rows.push([`${count} domains, 1 death + 1 create /s`, ...cells(from, to), "-"]);

    // latency: a resource's domain dies; the fake crm_resource stamps the report
    const latencies: number[] = [];
    for (let trial = 0; trial < options.trials; trial++) {
      const name = `rsc${trial}`;
      const domid = create(name);
      updateRecord(recordPath(rsctmp, name), seenRunning({ domid, name }), log);
      await sleep(1_500); // its creation's look is over: the watcher has seen it
      const before = existsSync(calls) ? readFileSync(calls, "utf8").split("\n").filter(Boolean).length : 0;
      const t0 = Date.now();
      kill(domid);
      let stamp: number | undefined;
      for (let i = 0; i < 1_000 && stamp === undefined; i++) {
        await sleep(10);
        const lines = existsSync(calls) ? readFileSync(calls, "utf8").split("\n").filter(Boolean) : [];
        if (lines.length > before) stamp = Number(BigInt((lines[before] as string).split(" ")[0] as string) / 1_000_000n);
      }
      if (stamp !== undefined) latencies.push(stamp - t0);
      updateRecord(recordPath(rsctmp, name), seenRunning(undefined), log);
    }
    const spread = latencies.length > 0 ? `${median(latencies)} (${Math.min(...latencies)}-${Math.max(...latencies)})` : "-";
    const got = latencies.length === options.trials ? spread : `${spread}; ${latencies.length}/${options.trials} reported within 10 s`;
    rows.push([`${count} domains, resource's domain dies`, "", "", "", got]);
    await measure(options.agent, ["stop"], env);
  }
  return rows;
}
