import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { labProgram, sleep } from "./host-command.ts";

/**
 * What the test reads from the lab: the guest's service as a client sees
 * it, the ground truth of where vm1 exists, polled continuously, and the
 * nodes' Pacemaker logs and the fence log.
 */
export interface Transition {
  readonly at: number;
  readonly up: boolean;
}

/** A client probing the guest's port from the guest network (lab/prober.ts) for as long as it runs. */
export function watchService(guestsNet: string, port: number) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "NODE_OPTIONS"));
  const child = spawn("nsenter", [`--net=${guestsNet}`, "--", process.execPath, labProgram("prober"), String(port)], {
    stdio: ["pipe", "pipe", "inherit"],
    env,
  });
  child.on("error", () => {});
  const transitions: Transition[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const [at, state] = line.split(" ");
    transitions.push({ at: Number(at), up: state === "up" });
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    transitions,
    isUp: (): boolean => transitions.at(-1)?.up === true,
    /** Whether the service answered at some probe after `since`. */
    /** Answering now, and either it came back after `since` or it never failed since then. */
    upSince: (since: number): boolean => answeredAfter(transitions, since),
    async stop(): Promise<void> {
      child.stdin?.end();
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(5_000)]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

function answeredAfter(transitions: readonly Transition[], since: number): boolean {
  const last = transitions.at(-1);
  return last?.up === true && (last.at >= since || !transitions.some((t) => t.at >= since && !t.up));
}

/** The first outage at or after `from` (first failed probe to the next answer), ms; undefined when none or not over. */
export function outageAfter(transitions: readonly Transition[], from: number): { startedAt: number; gapMs: number } | undefined {
  const down = transitions.find((t) => t.at >= from && !t.up);
  const up = down && transitions.find((t) => t.at > down.at && t.up);
  return down && up ? { startedAt: down.at, gapMs: up.at - down.at } : undefined;
}

/** The first answer at or after `from`. */
export const firstAnswerAfter = (transitions: readonly Transition[], from: number): number | undefined =>
  transitions.find((t) => t.at >= from && t.up)?.at;

/** Polls the ground truth every 20 ms: every moment vm1 existed on more than one simulated host. */
export function watchNeverTwice(where: () => string[]) {
  const twice: { at: number; hosts: string[] }[] = [];
  let polls = 0;
  const timer = setInterval(() => {
    polls++;
    const hosts = where();
    if (hosts.length > 1) twice.push({ at: Date.now(), hosts });
  }, 20);
  return {
    twice,
    polls: () => polls,
    stop: () => clearInterval(timer),
  };
}

export interface OpResult {
  readonly op: string;
  readonly node: string;
  readonly result: string;
  /** Line number in the node's log. */
  readonly line: number;
}

/** Pacemaker's "Result of OP operation for RSC on NODE: RESULT" lines for `rsc`, from line `fromLine` on. */
export function opResults(log: string, rsc: string, fromLine = 0): OpResult[] {
  return log.split("\n").flatMap((text, line) => {
    const match = /Result of (\S+) operation for (\S+) on (\S+): ([^|]+?) \|/.exec(text);
    return match && match[2] === rsc && line >= fromLine ? [{ op: match[1] as string, node: match[3] as string, result: match[4] as string, line }] : [];
  });
}

/** The line of fenced's "Operation 'reboot' ... targeting NODE using fence-lab returned 0", if any, from `fromLine`. */
export function fencedLine(log: string, target: string, fromLine = 0): number | undefined {
  const at = log.split("\n").findIndex((text, line) => line >= fromLine && new RegExp(`Operation '(reboot|off)' .*targeting ${target} using fence-lab returned 0`).test(text));
  return at < 0 ? undefined : at;
}

export const lineCount = (log: string): number => log.split("\n").length - 1;

/** fence_lab's "done" entries: when (epoch ms) and whom it powered off. */
export function fenceDone(fenceLog: string): { at: number; action: string; target: string }[] {
  return [...fenceLog.matchAll(/^(\d+) \S+ fence_lab\[\d+\] (\S+) (\S+): done/gm)].map((m) => ({ at: Number(m[1]), action: m[2] as string, target: m[3] as string }));
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * When (epoch ms) corosync first logged a line matching `pattern` at or after
 * `since`. Its hires timestamps ("Dec 03 14:44:18.578", timestamp: hires in
 * corosync.conf(5)) carry no year: the one putting the line nearest `since` is taken.
 */
export function corosyncLogged(log: string, pattern: RegExp, since: number): number | undefined {
  for (const line of log.split("\n")) {
    const match = /^(\w{3}) (\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3}) /.exec(line);
    if (!match || !pattern.test(line)) continue;
    const [month, day, h, m, s, ms] = [MONTHS.indexOf(match[1] as string), ...match.slice(2).map(Number)] as number[];
    const year = new Date(since).getFullYear();
    const at = [year - 1, year, year + 1]
      .map((y) => new Date(y, month as number, day, h, m, s, ms).getTime())
      .reduce((best, t) => (Math.abs(t - since) < Math.abs(best - since) ? t : best));
    if (at >= since) return at;
  }
  return undefined;
}

/** When (epoch ms) a DC first logged its order to start `rsc` ("Initiating start operation RSC_start_0") at or after `since`, from the nodes' Pacemaker logs. */
export function startOrderedAt(pacemakerLogs: readonly string[], rsc: string, since: number): number | undefined {
  const pattern = new RegExp(`Initiating start operation ${rsc}_start_0`);
  const times = pacemakerLogs.map((log) => corosyncLogged(log, pattern, since)).filter((t): t is number => t !== undefined);
  return times.length > 0 ? Math.min(...times) : undefined;
}
