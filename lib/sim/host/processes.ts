import { closeSync, openSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The simulator's own processes: guests, lifecycle monitors, and the
 * executables its launchers start. These are simulator internals, started
 * with argv arrays (no shell) and detached so that they outlive the xl call
 * that created them, as a domain and xl's monitoring daemon do.
 * node:child_process (with net and stream behind it) is fetched by the
 * functions that start a process, not imported: most xl calls start none,
 * and each is a fresh Node process that would pay for loading it.
 */
const childProcess = () => process.getBuiltinModule("node:child_process");

/** The file of program NAME in the simulator's bundle directory (tool-bundle.ts). */
export const bundledName = (name: string): string => `${name}.cjs`;

/** Defined by the simulator's bundler (tool-bundle.ts) as the bundle's own directory; undeclared elsewhere. */
declare const XEN_SIM_BUNDLE_DIR: string | undefined;

/**
 * bin/NAME.ts next to this source tree, or dist/bin/NAME.js when running from
 * a build; in a bundled program, the bundle of NAME beside it.
 */
export function simExecutable(name: string): string {
  if (typeof XEN_SIM_BUNDLE_DIR === "string") return join(XEN_SIM_BUNDLE_DIR, bundledName(name));
  const extension = import.meta.url.endsWith(".ts") ? "ts" : "js";
  return fileURLToPath(new URL(`../../../bin/${name}.${extension}`, import.meta.url));
}

/**
 * Where Node keeps the compiled simulator code between runs. Shared by every
 * root (tests make a new root each time) so that each short-lived xl call and
 * daemon skips TypeScript stripping and compilation: ~0.5 s less per start.
 */
export function compileCacheDir(): string {
  return join(tmpdir(), `xen-ha-sim-compile-cache-${userInfo().uid}`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Sends a signal to a pid the simulator recorded; a process that is already gone is fine. */
export function signalPid(pid: number | null | undefined, signal: NodeJS.Signals): void {
  if (!pid || pid <= 1) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** The argv (JSON) of the simulated tool that started a daemon: the monitor takes it as its command line (monitor-daemon.ts). */
export const COMMAND_ENV = "XEN_SIM_COMMAND";

/** The "look at the state again" nudge for guests and monitors. */
export const WAKE_SIGNAL: NodeJS.Signals = "SIGUSR2";

let wakeHarmless = false;
/** A process that may be woken installs this first: the signal's default action is to terminate. */
export function ignoreStrayWakes(): void {
  if (wakeHarmless) return;
  wakeHarmless = true;
  process.on(WAKE_SIGNAL, () => {});
}

export interface DetachedChild {
  readonly pid: number;
  /** The first line the child printed on stdout (e.g. its service port). */
  readonly firstLine: string;
}

/**
 * Starts `bin/<name>` under this Node binary, detached in its own process
 * group, and waits for its first stdout line (its "I am up" report).
 */
export function spawnDetached(
  name: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  errorLog: string,
  timeoutMs = 10_000,
): Promise<DetachedChild> {
  return new Promise((resolve, reject) => {
    // a daemon's stderr (crashes, warnings) goes to the host's log dir, never to the caller's terminal
    const stderr = openSync(errorLog, "a");
    const child = childProcess().spawn(process.execPath, [simExecutable(name), ...args], {
      detached: true,
      stdio: ["ignore", "pipe", stderr],
      // tap and other tools pass loader hooks through NODE_OPTIONS: a simulated guest needs none
      env: { ...env, NODE_OPTIONS: undefined, NODE_COMPILE_CACHE: compileCacheDir() },
    });
    closeSync(stderr);
    const stdout = child.stdout as NonNullable<typeof child.stdout>;
    let buffered = "";
    const timer = setTimeout(() => {
      signalPid(child.pid, "SIGKILL");
      reject(new Error(`${name} did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before reporting (code ${code}, signal ${signal})`));
    });
    stdout.setEncoding("utf8");
    stdout.on("data", (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf("\n");
      if (newline < 0 || child.pid === undefined) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      stdout.destroy();
      child.unref();
      resolve({ pid: child.pid, firstLine: buffered.slice(0, newline) });
    });
  });
}

/**
 * Runs a command with this process's stdin/stdout/stderr (the fake ssh's
 * remote command) and resolves with its exit code; `null` when the file
 * cannot be found on the PATH given.
 */
export function runInherited(file: string, args: readonly string[], env: Readonly<Record<string, string | undefined>>, cwd: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = childProcess().spawn(file, [...args], { stdio: "inherit", env: { ...env }, cwd });
    child.once("error", (error) => resolve((error as NodeJS.ErrnoException).code === "ENOENT" ? null : 126));
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 255 : 1)));
  });
}
