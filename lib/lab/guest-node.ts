import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { killHost, listDomains, startHost, stopGuest } from "../sim/index.ts";
import { nodeRun, startNode } from "./daemons.ts";
import { until } from "./host-command.ts";
import { freshVolatileMounts, setSwitchPort, type Namespaces } from "./namespaces.ts";
import { killNetns, labPaths } from "./power.ts";

/**
 * Guest nodes of the lab (doc/cluster-lab.md §5): a cluster node (corosync +
 * Pacemaker in its own namespaces, its port on the lab's switch, as a guest's
 * vif bridged to the LAN) whose life is exactly that of a simulated domain
 * of the same name. It boots (fresh /run and /dev/shm, its port up, corosync
 * and pacemakerd started) once that domain runs on some dom0 of the lab and
 * the guest OS has booted (the simulator's `booted`, `bootMs` after the first
 * unpause); it dies at once (every process SIGKILLed, its port down, as at
 * power loss) when the domain shuts down, crashes or is destroyed, or its
 * dom0 dies. Each guest node also has a simulated Xen host of its own name
 * (nested: what its /usr/sbin/xl drives), up exactly while the guest lives,
 * so that ocf:xen-ha:XenDomain runs on it as on any node.
 *
 * What drives it is the simulator's own event stream: one `xenstore-watch
 * @introduceDomain @releaseDomain` per dom0 (the simulated xenstore,
 * doc/xenstore.md §3; it ends when its host dies and is started again, once
 * a second while the dom0 is down and refuses it), each event a "look
 * again" at the dom0s' domains; while a guest's domain exists but has not
 * booted, the look is repeated every 20 ms.
 *
 * API (the lab makes one supervisor: `ClusterLab.guests`):
 *   - `GuestNodeSpec`: a guest node's name (= its domain's and nested host's)
 *     and, optionally, the dom0 the lab creates its domain on at start-up;
 *   - `guests.config(name)`: the guest's domain config (<sim>/shared/NAME.cfg),
 *     for `xl create` on a dom0 or a XenDomain resource;
 *   - `guests.domainHost(name)`: the dom0 where its domain exists now;
 *   - `guests.isUp(name)`, `guests.untilUp(name)`: its daemons started (corosync answering, pacemakerd launched) for a live domain;
 *   - `guests.create(name, dom0)`: `xl create` of its domain on that dom0 (as an admin would);
 *   - `guests.crash(name)`: its kernel crashes (the simulator's guest crash);
 *   - `guests.events`: every boot and death, epoch ms, for measurements.
 * A fence of a guest node by fence_lab destroys its domain on its dom0 (`powerOff` in power.ts).
 * Not modelled: `xl pause` (no xenstore event; the node runs on) and live
 * migration of a guest node (its suspend is a death, the target's run a new boot).
 */
export interface GuestNodeSpec {
  /** The node's name: its domain's name and its nested simulated host's. */
  readonly name: string;
  /** The dom0 on which the lab creates the domain at start-up; absent: someone else starts it (`xl create`, a XenDomain resource). */
  readonly dom0?: string;
  /** The domain's memory, MiB (default 512). */
  readonly memoryMiB?: number;
}

export interface GuestEvent {
  readonly at: number;
  readonly guest: string;
  readonly what: "boot" | "death";
  /** The dom0 of the domain that booted or died. */
  readonly dom0: string;
  readonly why: string;
}

/** One domain instance: a name lives once per (dom0, domid). */
interface Instance {
  readonly dom0: string;
  readonly domid: number;
}

interface GuestState {
  /** The domain instance the node's daemons belong to; undefined while it is down. */
  instance: Instance | undefined;
  /** Bumped at each death: a boot still in flight sees it and leaves its node dead. */
  generation: number;
  /** Its daemons have been started for the current instance. */
  running: boolean;
  /** Its switch port's last change, in order: a death's "down" must not land after the next boot's "up". */
  port: Promise<void>;
}

/** Where the domain named `name` exists now among `hosts` (ground truth). */
export function findDomainHost(simRoot: string, name: string, hosts: readonly string[]): string | undefined {
  return hosts.find((host) => {
    try {
      return listDomains(simRoot, host).some((d) => d.name === name);
    } catch {
      return false;
    }
  });
}

interface SuperviseOptions {
  readonly ns: Namespaces;
  readonly simRoot: string;
  /** The physical nodes: the dom0s a guest's domain may run on. */
  readonly dom0s: readonly string[];
  readonly guests: readonly GuestNodeSpec[];
}

const BOOT_POLL_MS = 20;
const RESTART_WATCH_MS = 200;
const REFUSED_MS = 1_000;
const RETRY_DOWN_MS = 1_000;

/** Starts watching the dom0s and keeps every guest node's life to its domain's, until `stop()`. */
export function superviseGuests(options: SuperviseOptions) {
  const { ns, simRoot, dom0s } = options;
  const names = options.guests.map((g) => g.name);
  for (const name of names) writeFileSync(labPaths(ns.lab).guestDomain(name), name);
  const states = new Map<string, GuestState>(names.map((n) => [n, { instance: undefined, generation: 0, running: false, port: Promise.resolve() }]));
  const setPort = (name: string, state: GuestState, up: boolean): Promise<void> => (state.port = state.port.then(() => setSwitchPort(ns, name, up)).catch(() => {}));
  const events: GuestEvent[] = [];
  const watches = new Set<ChildProcess>();
  let stopped = false;
  let bootPoll: NodeJS.Timeout | undefined;

  /** The live, booted instance of `name` on an up dom0, or whether one exists that has not booted yet. */
  function look(name: string): { live: Instance | undefined; booting: boolean } {
    let booting = false;
    for (const dom0 of dom0s) {
      let domains;
      try {
        domains = listDomains(simRoot, dom0);
      } catch {
        continue;
      }
      for (const d of domains) {
        if (d.name !== name || d.shutdownReason !== null || d.dying) continue;
        // not booted yet (being built, paused before its first unpause, booting): look again soon
        if (d.booted) return { live: { dom0, domid: d.domid }, booting: false };
        booting = true;
      }
    }
    return { live: undefined, booting };
  }

  /** Why an instance ended, as its dom0 shows it now. */
  function ending(instance: Instance): string {
    let domain;
    try {
      domain = listDomains(simRoot, instance.dom0).find((d) => d.domid === instance.domid);
    } catch {
      domain = undefined;
    }
    const what = domain?.shutdownReason ? `shut down (${domain.shutdownReason})` : domain?.dying ? "dying" : "gone (destroyed, or its dom0 died)";
    return `domain ${instance.domid} on ${instance.dom0} ${what}`;
  }

  function kill(name: string, state: GuestState, why: string): void {
    const dom0 = state.instance?.dom0 ?? "-";
    state.instance = undefined;
    state.running = false;
    state.generation++;
    killNetns(Number(readFileSync(labPaths(ns.lab).netnsId(name), "utf8")));
    killHost(simRoot, name);
    events.push({ at: Date.now(), guest: name, what: "death", dom0, why });
    void setPort(name, state, false);
  }

  async function boot(name: string, state: GuestState, instance: Instance): Promise<void> {
    state.instance = instance;
    const generation = state.generation;
    events.push({ at: Date.now(), guest: name, what: "boot", dom0: instance.dom0, why: `domain ${instance.domid} booted` });
    try {
      await setPort(name, state, true);
      await freshVolatileMounts(ns, name);
      await startHost(simRoot, name);
      if (state.generation === generation) await startNode(ns, name);
      if (state.generation === generation) state.running = true;
    } catch (error) {
      if (state.generation === generation) process.stderr.write(`guest node ${name}: boot failed: ${String(error)}\n`);
    }
    // died while booting: what the boot started after the kill dies too
    if (state.generation !== generation) {
      killNetns(Number(readFileSync(labPaths(ns.lab).netnsId(name), "utf8")));
      killHost(simRoot, name);
    }
  }

  function reconcile(): void {
    if (stopped) return;
    let waiting = false;
    for (const [name, state] of states) {
      const { live, booting } = look(name);
      const current = state.instance;
      if (current && (live === undefined || live.dom0 !== current.dom0 || live.domid !== current.domid)) kill(name, state, ending(current));
      if (state.instance === undefined && live) void boot(name, state, live);
      waiting ||= booting;
    }
    clearTimeout(bootPoll);
    if (waiting) bootPoll = setTimeout(reconcile, BOOT_POLL_MS);
  }

  /** xenstore-watch on `dom0`; started again when it ends (its host died, or refused while down). */
  function watch(dom0: string): void {
    if (stopped) return;
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "NODE_OPTIONS"));
    const startedAt = Date.now();
    const child = spawn(join(simRoot, "hosts", dom0, "bin", "xenstore-watch"), ["@introduceDomain", "@releaseDomain"], { stdio: ["ignore", "pipe", "ignore"], env });
    watches.add(child);
    child.on("error", () => {});
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", reconcile);
    child.once("exit", () => {
      watches.delete(child);
      reconcile();
      // refused at once: the dom0 is down; it takes a boot and an xl create before a guest can run there
      if (!stopped) setTimeout(() => watch(dom0), Date.now() - startedAt < REFUSED_MS ? RETRY_DOWN_MS : RESTART_WATCH_MS).unref();
    });
  }

  // nested hosts are down until their guest boots
  for (const name of names) killHost(simRoot, name);
  for (const dom0 of dom0s) watch(dom0);
  reconcile();

  return {
    events,
    names,
    config: (name: string): string => join(simRoot, "shared", `${name}.cfg`),
    domainHost: (name: string): string | undefined => findDomainHost(simRoot, name, dom0s),
    isUp: (name: string): boolean => states.get(name)?.running === true,
    untilUp: (name: string, timeoutMs = 60_000): Promise<boolean> => until(`guest node ${name}'s daemons started`, () => (states.get(name)?.running ? true : undefined), timeoutMs, 20),
    /** `xl create` of the guest's domain on `dom0`, run on that node (its xl puts the domain in the guest network). */
    async create(name: string, dom0: string): Promise<void> {
      const result = await nodeRun(ns, dom0, ["xl", "create", join(simRoot, "shared", `${name}.cfg`)], 60_000);
      if (result.exitCode !== 0) throw new Error(`xl create ${name} on ${dom0}: exit ${result.exitCode}: ${result.stderr}`);
    },
    /** The guest's kernel crashes (the simulator's guest crash; on_crash decides what its dom0's xl does next); returns its dom0. */
    crash(name: string): string {
      const dom0 = findDomainHost(simRoot, name, dom0s);
      if (dom0 === undefined || !stopGuest(simRoot, dom0, name, "crash")) throw new Error(`guest ${name} runs nowhere`);
      return dom0;
    },
    /** Stops watching and kills every guest node (the lab's teardown kills what is left). */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(bootPoll);
      for (const child of watches) child.kill("SIGKILL");
      for (const [name, state] of states) if (state.instance) kill(name, state, "lab down");
      await Promise.all([...states.values()].map((state) => state.port));
    },
  };
}

export type GuestNodes = ReturnType<typeof superviseGuests>;
