import { mkdirSync, openSync, closeSync, readFileSync, writeFileSync, writeSync, existsSync, unlinkSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { withFileLock } from "./lock.ts";
import { sharedDir } from "./paths.ts";

/**
 * A guest's service keeps its address when the guest moves: the port is
 * chosen once per domain name (per simulation root) and every host's guest
 * of that name listens on it, as a migrated VM keeps its IP address. During
 * a migration the source guest releases the port when it suspends and the
 * target guest takes it when it is unpaused, so a client of 127.0.0.1:PORT
 * sees exactly the service gap of the migration.
 *
 * Ports come from below Linux's ephemeral range (32768-60999), so outgoing
 * connections never take one, and are claimed machine-wide (one file per
 * port, O_EXCL) so that parallel simulations do not share a port. A claim
 * whose simulation root is gone is stale and may be taken over.
 */
const FIRST_PORT = 20_000;
const LAST_PORT = 32_000;
const RETRY_MS = 5;

/** The guest's identity: its name without the names the toolstacks give it while it migrates. */
export function guestIdentity(name: string): string {
  return name.replace(/--(incoming|migratedaway)$/, "").replace(/^migrating-/, "");
}

function claimsDir(): string {
  return join(tmpdir(), `xen-ha-sim-ports-${userInfo().uid}`);
}

function portsDir(root: string): string {
  return join(sharedDir(root), "service-ports");
}

function readPort(file: string): number | undefined {
  try {
    const port = Number.parseInt(readFileSync(file, "utf8"), 10);
    return Number.isInteger(port) ? port : undefined;
  } catch {
    return undefined;
  }
}

/** Claims `port` machine-wide for this root; false when a live simulation holds it. */
function claim(port: number, root: string, name: string): boolean {
  const file = join(claimsDir(), String(port));
  const owner = `${root}\n${name}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, owner);
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readFileSync(file, "utf8").split("\n")[0] ?? "";
    if (holder === root || existsSync(holder)) return false;
    try {
      unlinkSync(file); // the root that claimed it is gone
    } catch {
      // another process took it over first
    }
  }
  return false;
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** The service port of the guest called `name` (any host) under `root`, chosen on first use. */
export async function servicePortFor(root: string, name: string): Promise<number> {
  const file = join(portsDir(root), encodeURIComponent(name));
  const known = readPort(file);
  if (known !== undefined) return known;
  mkdirSync(portsDir(root), { recursive: true });
  mkdirSync(claimsDir(), { recursive: true });
  for (let tries = 0; tries < 200; tries++) {
    const candidate = FIRST_PORT + Math.floor(Math.random() * (LAST_PORT - FIRST_PORT));
    if (!(await canBind(candidate))) continue;
    const chosen = withFileLock(join(portsDir(root), ".lock"), () => {
      const meanwhile = readPort(file);
      if (meanwhile !== undefined) return meanwhile;
      if (!claim(candidate, root, name)) return undefined;
      writeFileSync(file, `${candidate}\n`);
      return candidate;
    });
    if (chosen !== undefined) return chosen;
  }
  throw new Error(`no free service port for ${name} in ${FIRST_PORT}-${LAST_PORT}`);
}

export interface ServiceListener {
  /** Listen (retrying while another process holds the port) or stop listening. Resolves after the first attempt. */
  want(listening: boolean): Promise<void>;
  close(): void;
}

/**
 * Listens on 127.0.0.1:port while wanted. A port still held (by the source
 * guest of a migration that has not suspended yet) is retried every few ms;
 * a stopped (paused) process simply retries once it runs again.
 */
export function serviceListener(port: number, onConnection: (socket: Socket) => void, log: (line: string) => void): ServiceListener {
  let server: Server | undefined;
  let wanted = false;
  let retry: NodeJS.Timeout | undefined;
  let pending: Promise<void> | undefined;
  let busySince: number | undefined;

  const attempt = (): Promise<void> =>
    new Promise((resolve) => {
      const candidate = createServer(onConnection);
      candidate.once("error", () => {
        candidate.close();
        busySince ??= Date.now();
        if (Date.now() - busySince > 2_000 && Date.now() - busySince < 2_000 + RETRY_MS * 2) log(`service port ${port} still busy; retrying`);
        retry = setTimeout(() => {
          retry = undefined;
          if (wanted && !server) pending ??= attempt().finally(() => (pending = undefined));
        }, RETRY_MS);
        resolve();
      });
      candidate.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
        busySince = undefined;
        if (wanted) server = candidate;
        else candidate.close();
        resolve();
      });
    });

  return {
    want(listening) {
      wanted = listening;
      if (listening && !server && !retry && !pending) pending = attempt().finally(() => (pending = undefined));
      if (!listening && server) {
        server.close();
        server = undefined;
      }
      return pending ?? Promise.resolve();
    },
    close() {
      wanted = false;
      clearTimeout(retry);
      server?.close();
      server = undefined;
    },
  };
}
