import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { endLeftoverTools, runCommand, type CommandResult } from "../../../lib/exec/command.ts";
import { cleanupSim, createSimHost, listDomains, writeSampleConfig, type SimHost } from "../../../lib/sim/index.ts";
import { hostPaths } from "../../../lib/sim/host/paths.ts";
import { fenceXenMain } from "../../../agents/fence-xen/main.ts";
import { captureIo } from "../../support/capture-io.ts";
import { realFenceXenDeps, type FenceXenDeps } from "../../../agents/fence-xen/device.ts";

/** Simulated latencies at 1/100: xl's 60 s shutdown ack wait takes 0.6 s. */
export const FAST = 0.01;

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

/**
 * A fencing lab: simulated dom0s, and a simulated "guest" host from which the
 * fence agent runs (its PATH reaches the fake ssh, and its own xl is what
 * dom0_list=local drives). Everything is torn down by pid after the test.
 */
export interface FenceLab {
  readonly root: string;
  readonly dom0s: Readonly<Record<string, SimHost>>;
  readonly client: SimHost;
  readonly shared: string;
}

export function fenceLab(t: Teardown, dom0Names: readonly string[] = ["dom0a", "dom0b"]): FenceLab {
  const root = mkdtempSync(join(tmpdir(), "fence-lab-"));
  t.teardown(() => {
    cleanupSim(root);
    rmSync(root, { recursive: true, force: true });
  });
  const dom0s = Object.fromEntries(dom0Names.map((host) => [host, quiet(createSimHost({ root, host, timeFactor: FAST }))]));
  const client = quiet(createSimHost({ root, host: "guest0", timeFactor: FAST }));
  return { root, dom0s, client, shared: join(root, "shared") };
}

/** tap hands its hooks to child Node processes through NODE_OPTIONS; the simulated tools need none (and start faster). */
const quiet = (host: SimHost): SimHost => ({ ...host, env: { ...host.env, NODE_OPTIONS: "" } });

export function hostOf(lab: FenceLab, host: string): SimHost {
  if (host === lab.client.host) return lab.client;
  const found = lab.dom0s[host];
  if (!found) throw new Error(`no simulated host ${host}`);
  return found;
}

export function xl(lab: FenceLab, host: string, args: readonly string[]): Promise<CommandResult> {
  return runCommand("xl", args, { timeoutMs: 30_000, env: hostOf(lab, host).env });
}

/** Creates domain `name` on `host` from the shared sample config of `config` (default: the same name). */
export async function startDomain(lab: FenceLab, host: string, name: string, config = name): Promise<void> {
  const file = writeSampleConfig({ root: lab.root, name: config });
  const result = await xl(lab, host, ["create", file, `name="${name}"`]);
  if (result.exitCode !== 0) throw new Error(`xl create ${name} on ${host}: ${result.stderr}`);
}

/** Ground truth: the names of the domains a simulated host has (Domain-0 and nameless zombies left out). */
export function domainsOn(lab: FenceLab, host: string): string[] {
  return listDomains(lab.root, host)
    .filter((d) => d.domid !== 0 && d.name !== null && !d.dying)
    .map((d) => d.name as string)
    .sort();
}

export interface FenceRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** The options every lab run starts from; a test overrides what it is about. */
export const labOptions = (lab: FenceLab): Record<string, string> => ({
  dom0_list: Object.keys(lab.dom0s).join(" "),
  ssh_host_key_policy: "ignore",
  login_timeout: "3",
  shell_timeout: "10",
  power_timeout: "5",
  config_dir: lab.shared,
});

/** Runs fence_xen in this process, options on stdin as Pacemaker sends them (or `argv` as a person types them). */
export async function fence(
  lab: FenceLab,
  options: Readonly<Record<string, string>>,
  extra: { argv?: readonly string[]; deps?: Partial<FenceXenDeps>; stdin?: string } = {},
): Promise<FenceRun> {
  const text = extra.stdin ?? Object.entries(options).map(([key, value]) => `${key}=${value}\n`).join("");
  const { io, out } = captureIo(extra.argv ?? [], lab.client.env, text);
  const started = performance.now();
  const code = await fenceXenMain(io, { ...realFenceXenDeps("fence_xen@guest0"), ...extra.deps });
  // the agent's process would exit here, ending the reads it left behind (lib/exec/command.ts)
  await endLeftoverTools();
  return { code, stdout: out.stdout, stderr: out.stderr, ms: Math.round(performance.now() - started) };
}

/**
 * dom0b's stonith_admin: logs its arguments and when it ran, prints `reply`
 * and exits `code`; from call number `from` on (2 unless given) it prints
 * `later` instead, when given (a fence that completes while fence_xen waits).
 */
export function scriptHistory(lab: FenceLab, reply: string, code = 0, later?: string, from = 2): { calls: () => string[]; startsMs: () => number[]; reply: (text: string) => void } {
  const dir = hostPaths(lab.root, "dom0b").binDir;
  const [calls, times, replyFile, laterFile] = ["calls", "times", "reply", "later"].map((name) => join(lab.root, `stonith-admin.${name}`)) as [string, string, string, string];
  writeFileSync(calls, "");
  writeFileSync(times, "");
  writeFileSync(replyFile, reply);
  writeFileSync(laterFile, later ?? reply);
  const script = `#!/bin/sh\ndate +%s%N >> ${times}\necho "$*" >> ${calls}\nif [ "$(wc -l < ${calls})" -ge ${from} ]; then cat ${laterFile}; else cat ${replyFile}; fi\nexit ${code}\n`;
  writeFileSync(join(dir, "stonith_admin"), script);
  chmodSync(join(dir, "stonith_admin"), 0o755);
  const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean);
  return {
    calls: () => lines(calls),
    startsMs: () => lines(times).map((ns) => Number(BigInt(ns) / 1_000_000n)),
    reply: (text) => [replyFile, laterFile].forEach((file) => writeFileSync(file, text)),
  };
}
