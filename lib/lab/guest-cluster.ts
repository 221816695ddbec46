import { spawn } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { GUEST_CLUSTER_CONSENSUS_MS, GUEST_CLUSTER_TOKEN_MS, guestCluster } from "../../cib-templates/guest-cluster.ts";
import { renderTemplate, type SectionName } from "../cib/author/render.ts";
import type { CommandResult } from "../exec/command.ts";
import { xml } from "../xml/xml.ts";
import { nvpairs } from "./cib.ts";
import { labProgram, must as onMachine, sleep, until } from "./host-command.ts";
import type { ClusterLab, ClusterLabOptions } from "./lab.ts";
import { corosyncLogged, fenceDone, lineCount } from "./observe.ts";
import { labPaths } from "./power.ts";

/**
 * Scenario 3 of the study (doc/cluster-lab.md §6): cluster communication
 * between two virtual machines. guest1 and guest2 are guest nodes
 * (guest-node.ts) on two dom0s, node1 and node2, which form a cluster of
 * their own (token 1000 ms, fenced by fence_lab, the lab's IPMI). The guests
 * form a second cluster with the guest-cluster template's timing (token
 * 300 ms, consensus 150 ms) and its fencing: fence_xen only, reaching node1 and node2 through
 * their toolstacks over (the simulator's) ssh; the seeded fence_lab device is
 * removed from the guest cluster, so no fence of a guest takes a shortcut.
 * It serves `web`, an HTTP-like daemon (guest-cluster-service.ts under
 * the lab's agent ocf:xhl-lab:guest-service, guest-service-agent.ts), with `floor`, Pacemaker's ocf:pacemaker:Dummy,
 * colocated with it: one death, two figures. A client on the LAN (the
 * switch namespace) asks both guests every 20 ms (guest-cluster-prober.ts).
 *
 * The deaths: (a) the serving guest's kernel crashes (on_crash = destroy),
 * so fence_xen finds its domain gone on every dom0; (b) its dom0 loses
 * power, so fence_xen cannot ask that dom0 and fails until it answers again:
 * the dom0 cluster fences it (fence_lab, a reboot), and the driver powers it
 * back on once that fence is done, as the reboot would.
 */
export const SCENARIO_3_GUESTS = ["guest1", "guest2"] as const;
export const SCENARIO_3_DOM0S = ["node1", "node2"] as const;
/** The guest cluster's token and consensus, as the guest-cluster template assumes. */
export const GUEST_TOKEN_MS = GUEST_CLUSTER_TOKEN_MS;
export const GUEST_CONSENSUS_MS = GUEST_CLUSTER_CONSENSUS_MS;

/**
 * The lab's layout; `guestTotem` is the guest cluster's corosync timing (the
 * host cluster's token is the lab's `tokenMs`); an unset consensus is
 * corosync's default, 1.2 x token.
 */
export const scenario3Lab = (
  guestTotem: { readonly tokenMs: number; readonly consensusMs?: number } = { tokenMs: GUEST_TOKEN_MS, consensusMs: GUEST_CONSENSUS_MS },
): Pick<ClusterLabOptions, "nodes" | "guests" | "clusters" | "clusterTokenMs" | "clusterConsensusMs"> => ({
  nodes: [...SCENARIO_3_DOM0S],
  guests: SCENARIO_3_GUESTS.map((name, i) => ({ name, dom0: SCENARIO_3_DOM0S[i] as string })),
  clusters: [[...SCENARIO_3_DOM0S], [...SCENARIO_3_GUESTS]],
  clusterTokenMs: [undefined, guestTotem.tokenMs],
  clusterConsensusMs: [undefined, guestTotem.consensusMs],
});
export const SCENARIO_3_LAB = scenario3Lab();

const SERVICE = "web";
const FLOOR = "floor";
const FLOOR_STATE = "/var/lib/pacemaker/xhl-floor.state";
/** The service daemon's pid file (guest-service-agent.ts), in the guest's own /var/lib/pacemaker. */
const SERVICE_STATE = "/var/lib/pacemaker/xhl-web.pid";
/** The service's port on each guest; the lab's private LAN, so any fixed port does. */
export const SERVICE_PORT = 8080;
/** The client's address on the lab's switch (the guests' /24). */
const CLIENT_ADDRESS = "10.213.0.250/24";

const dom0Of = (guest: string): string => SCENARIO_3_DOM0S[SCENARIO_3_GUESTS.indexOf(guest as (typeof SCENARIO_3_GUESTS)[number])] as string;

async function on(lab: ClusterLab, node: string, command: readonly string[], timeoutMs = 60_000): Promise<CommandResult> {
  const result = await lab.run(node, command, timeoutMs);
  if (result.exitCode !== 0) throw new Error(`on ${node}: ${command.join(" ")}: exit ${result.exitCode}\n${result.stdout}${result.stderr}`);
  return result;
}

/** A guest-cluster section of the template, for `cibadmin --create -o SECTION`. */
function templateSection(identityFile: string, section: SectionName): string {
  const values = { nodes: SCENARIO_3_GUESTS.join(","), dom0_list: SCENARIO_3_DOM0S.join(","), identity_file: identityFile };
  const rendered = renderTemplate(guestCluster, values, { section });
  if (!rendered.ok) throw new Error(`guest-cluster template: ${rendered.problems.join("; ")}`);
  return rendered.text;
}

/** The service, the floor beside it, every op with its timeout (execd's default is 20 s: doc/cluster-lab.md §5). */
function serviceResources(): { resources: string; constraint: string } {
  const op = (id: string, name: string, timeout: number, interval = 0) => xml`<op id="${id}-${name}-${interval}" name="${name}" interval="${interval}s" timeout="${timeout}s"/>`;
  const ops = (id: string) => [op(id, "start", 20), op(id, "stop", 20), op(id, "monitor", 20, 10)];
  const web = { port: String(SERVICE_PORT), state: SERVICE_STATE };
  return {
    resources: xml`<resources><primitive id="${SERVICE}" class="ocf" provider="xhl-lab" type="guest-service"><instance_attributes id="${SERVICE}-params">${nvpairs(`${SERVICE}-params`, web)}</instance_attributes><operations>${ops(SERVICE)}</operations></primitive><primitive id="${FLOOR}" class="ocf" provider="pacemaker" type="Dummy"><instance_attributes id="${FLOOR}-params">${nvpairs(`${FLOOR}-params`, { state: FLOOR_STATE })}</instance_attributes><operations>${ops(FLOOR)}</operations></primitive></resources>`.text,
    constraint: xml`<rsc_colocation id="${FLOOR}-with-${SERVICE}" rsc="${FLOOR}" with-rsc="${SERVICE}" score="INFINITY"/>`.text,
  };
}

/** Where Dummy's state file says the floor runs (the guests' /var/lib/pacemaker is bound from the lab dir). */
const floorFile = (lab: ClusterLab, guest: string): string => join(labPaths(lab.lab).node(guest), "lib-pacemaker", "xhl-floor.state");
export const floorGuests = (lab: ClusterLab): string[] => SCENARIO_3_GUESTS.filter((g) => existsSync(floorFile(lab, g)));

/** One guest's service seen to begin (up) or stop answering, at the start of the ask that saw it. */
export interface Sighting {
  readonly at: number;
  readonly guest: string;
  readonly up: boolean;
}

/** When both guests answered at once: from the later one's first answer until the earlier one's first silence. */
export interface Overlap {
  readonly from: number;
  readonly to: number;
}

/**
 * The periods in which both guests answered: a guest counts as answering from
 * the ask that first got its answer until the ask that first did not (so a
 * service that died just after an answer still counts until it is seen gone).
 */
export function overlaps(sightings: readonly Sighting[]): Overlap[] {
  const periods = (guest: string): Overlap[] => {
    const out: Overlap[] = [];
    let from: number | undefined;
    for (const s of sightings.filter((x) => x.guest === guest)) {
      if (s.up && from === undefined) from = s.at;
      if (!s.up && from !== undefined) {
        out.push({ from, to: s.at });
        from = undefined;
      }
    }
    if (from !== undefined) out.push({ from, to: Number.POSITIVE_INFINITY });
    return out;
  };
  const [a, b] = SCENARIO_3_GUESTS.map(periods) as [Overlap[], Overlap[]];
  return a.flatMap((p) => b.flatMap((q) => (Math.max(p.from, q.from) < Math.min(p.to, q.to) ? [{ from: Math.max(p.from, q.from), to: Math.min(p.to, q.to) }] : [])));
}

/** The client on the LAN: every change of each guest's answer, for as long as it runs. */
export async function watchGuestService(lab: ClusterLab) {
  const sw = `/run/netns/${lab.ns.netns("sw")}`;
  await onMachine("ip", ["-n", lab.ns.netns("sw"), "addr", "replace", CLIENT_ADDRESS, "dev", "br0"]);
  const guestAt = new Map(SCENARIO_3_GUESTS.map((g) => [lab.ns.address(g), g] as const));
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "NODE_OPTIONS"));
  const child = spawn("nsenter", [`--net=${sw}`, "--", process.execPath, labProgram("guest-cluster-prober"), String(SERVICE_PORT), ...guestAt.keys()], { stdio: ["pipe", "pipe", "inherit"], env });
  child.on("error", () => {});
  const sightings: Sighting[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const [at, address, name] = line.split(" ");
    const guest = guestAt.get(address ?? "");
    if (guest !== undefined) sightings.push({ at: Number(at), guest, up: name !== undefined && name !== "-" });
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    sightings,
    /** The periods in which the service answered on both guests: it ran twice. */
    twice: (): Overlap[] => overlaps(sightings),
    /** The guests answering now (as last seen). */
    serving: (): readonly string[] => SCENARIO_3_GUESTS.filter((g) => sightings.findLast((s) => s.guest === g)?.up === true),
    /** When `guest` was first seen answering at or after `since`. */
    upAfter: (guest: string, since: number): number | undefined => sightings.find((s) => s.guest === guest && s.up && s.at >= since)?.at,
    async stop(): Promise<void> {
      child.stdin?.end();
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(5_000)]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

export type GuestService = Awaited<ReturnType<typeof watchGuestService>>;

/**
 * Whether a guest lost while it lived may be created again: the other guest
 * fences it (fence_xen destroys its domain, then looks until it is gone), and
 * a domain of the same name made before that look reads as "still on", so the
 * fence fails and is retried while the cluster waits. So: once either guest's
 * fencer logged a completed fence of it since its last death, or 10 s after
 * that death.
 */
function mayRecreate(lab: ClusterLab, guest: string): boolean {
  const death = lab.guests?.events.findLast((e) => e.guest === guest && e.what === "death");
  if (death === undefined || Date.now() - death.at > 10_000) return true;
  const fenced = new RegExp(`targeting ${guest} using fence-xen returned 0`);
  return SCENARIO_3_GUESTS.some((g) => corosyncLogged(lab.pacemakerLog(g), fenced, death.at) !== undefined);
}

/** Waits (bounded) until the guest cluster is idle, asked on `guest`. */
const settle = (lab: ClusterLab, guest: string): Promise<CommandResult> => on(lab, guest, ["crm_resource", "--wait", "--timeout", "120s"], 130_000);

/**
 * The guest cluster's configuration: the seeded fence_lab device out, the
 * template's fence_xen device and fencing levels in (an ssh key file for it
 * to read), then the service and the floor; returns the guest serving once
 * the client sees one guest answer and the cluster is idle.
 */
export async function loadGuestCluster(lab: ClusterLab, service: GuestService): Promise<string> {
  const guest = SCENARIO_3_GUESTS.find((g) => lab.guests?.isUp(g)) ?? SCENARIO_3_GUESTS[0];
  const key = join(lab.lab, "fence_xen_key");
  // the simulator's ssh takes any readable key; fence_xen's validation wants a regular file
  writeFileSync(key, "lab key: the simulated ssh needs none\n", { mode: 0o600 });
  await on(lab, guest, ["cibadmin", "--delete", "-o", "resources", "-X", '<primitive id="fence-lab"/>']);
  // off, not reboot: fence_xen's "on" would run `xl create` through the simulator's ssh, which runs it in
  // the fencing guest's own namespaces, not the dom0's; the driver creates a fenced guest again instead
  await on(lab, guest, ["crm_attribute", "--type", "crm_config", "--name", "stonith-action", "--update", "off"]);
  // a guest node reads the machine's load average (a network namespace does not hide it), where a real guest
  // reads its own; the controller would throttle the guests' actions for the other work of the lab's machine
  await on(lab, guest, ["crm_attribute", "--type", "crm_config", "--name", "load-threshold", "--update", "1000%"]);
  await on(lab, guest, ["cibadmin", "--create", "-o", "resources", "-X", templateSection(key, "resources")]);
  // a fresh CIB has no fencing-topology section to create into (doc/cluster-lab.md §2)
  await on(lab, guest, ["cibadmin", "--modify", "--allow-create", "-o", "configuration", "-X", templateSection(key, "fencing-topology")]);
  const { resources, constraint } = serviceResources();
  await on(lab, guest, ["cibadmin", "--modify", "--allow-create", "-o", "resources", "-X", resources]);
  await on(lab, guest, ["cibadmin", "--create", "-o", "constraints", "-X", constraint]);
  const guests = lab.guests;
  const healing = new Map<string, Promise<void>>();
  // a guest fenced while it lived (doc/cluster-lab.md §6) is created again, and its disk's floor state cleared
  const heal = (g: string): void => {
    if (!guests || healing.has(g) || guests.isUp(g) || guests.domainHost(g) !== undefined || !mayRecreate(lab, g)) return;
    rmSync(floorFile(lab, g), { force: true });
    healing.set(
      g,
      guests
        .create(g, dom0Of(g))
        .catch(() => {})
        .finally(() => healing.delete(g)),
    );
  };
  const serving = await until("the service answering on one guest, the floor beside it", () => {
    SCENARIO_3_GUESTS.forEach(heal);
    const now = service.serving();
    return now.length === 1 && floorGuests(lab).join() === now.join() ? now[0] : undefined;
  }, 120_000, 50);
  await Promise.all(healing.values());
  await bothGuestsUp(lab, serving);
  return serving;
}

/**
 * A guest fenced although it lived (its corosync starved past the token on a
 * loaded machine: doc/cluster-lab.md §6) is created again, as after a death;
 * then both guests online and the cluster idle, asked on `survivor` (or on
 * the guest still up, when a flap took the survivor meanwhile; a few rounds).
 */
async function bothGuestsUp(lab: ClusterLab, survivor: string): Promise<void> {
  const guests = lab.guests;
  if (!guests) throw new Error("scenario 3 needs the lab's guest nodes");
  for (let round = 1; ; round++) {
    try {
      for (const guest of SCENARIO_3_GUESTS) {
        if (guests.isUp(guest)) continue;
        // a domain that still exists is either booting (created again above: it comes up) or dying (it goes)
        const state = await until(`${guest} up or its domain gone`, () => (guests.isUp(guest) ? "up" : guests.domainHost(guest) === undefined ? "gone" : undefined), 60_000, 50);
        if (state === "up") continue;
        await until(`the fence of ${guest} done`, () => (mayRecreate(lab, guest) ? true : undefined), 30_000, 50);
        rmSync(floorFile(lab, guest), { force: true });
        await guests.create(guest, dom0Of(guest));
        await guests.untilUp(guest);
      }
      const asked = guests.isUp(survivor) ? survivor : (SCENARIO_3_GUESTS.find((g) => guests.isUp(g)) ?? survivor);
      await lab.untilOnline(asked, [...SCENARIO_3_GUESTS]);
      await settle(lab, asked);
      return;
    } catch (error) {
      // only a guest lost meanwhile is worth another round; anything else is the failure it says
      if (round >= 5 || SCENARIO_3_GUESTS.every((g) => guests.isUp(g))) throw error;
    }
  }
}

export type Scenario3Death = "guest crash" | "dom0 power loss";

export interface Scenario3Outcome {
  readonly death: Scenario3Death;
  readonly victim: string;
  readonly survivor: string;
  /** Crash to the service answering on the survivor (ours), and to Dummy started there (the floor), ms. */
  readonly serviceMs: number;
  readonly floorMs: number;
  /** Crash to the victim guest's node gone (its domain seen dead), ms. */
  readonly guestDeadMs: number | undefined;
  /** Crash to the dom0 cluster's fence of the dead dom0 done (fence_lab), ms; dom0 power loss only. */
  readonly hostFenceMs: number | undefined;
  /** fence_xen's results for the victim, in the order the survivor's fencer logged them. */
  readonly fenceResults: readonly string[];
  /** Crash to the survivor's controller requesting the victim's fence, and to fence_xen's success logged, ms (its Pacemaker log). */
  readonly fenceRequestedMs: number | undefined;
  readonly fenceDoneMs: number | undefined;
  /** Periods in which the client found the service on both guests, during this death and its recovery. */
  readonly twice: number;
}

/** fenced's "Operation 'reboot' targeting guestN using fence-xen returned RC" lines since `fromLine`. */
function fenceResults(log: string, target: string, fromLine: number): string[] {
  return log
    .split("\n")
    .slice(fromLine)
    .flatMap((line) => {
      const match = new RegExp(`Operation '(\\w+)' .*targeting ${target} using fence-xen returned (-?\\d+)`).exec(line);
      return match ? [`${match[1]} rc=${match[2]}`] : [];
    });
}

/** How long both guests must have run since the last boot before a death is timed. */
const STEADY_MS = 6_000;

/**
 * Both guests up for STEADY_MS and the service on one of them. A guest that
 * boots joins the guest cluster while its daemons start, and on the lab's
 * loaded machine a 300 ms token can starve then: a flap, the revived guest
 * fenced a few seconds after it booted (doc/cluster-lab.md §6). A death
 * timed during such a flap would be two deaths at once, so the flap's victim
 * is created again first (bothGuestsUp) and the wait starts over.
 */
async function readyForDeath(lab: ClusterLab, service: GuestService): Promise<void> {
  const guests = lab.guests;
  if (!guests) throw new Error("scenario 3 needs the lab's guest nodes");
  for (let round = 1; ; round++) {
    const serving = await until("the service answering on one guest", () => (service.serving().length === 1 ? service.serving()[0] : undefined), 120_000, 50);
    await bothGuestsUp(lab, serving);
    const lastBoot = Math.max(0, ...guests.events.filter((e) => e.what === "boot").map((e) => e.at));
    await sleep(Math.max(0, lastBoot + STEADY_MS - Date.now()));
    const steady = SCENARIO_3_GUESTS.every((g) => guests.isUp(g)) && service.serving().length === 1;
    if (steady) return;
    if (round >= 5) throw new Error(`the guest cluster did not hold still for ${STEADY_MS} ms in ${round} tries: ${stuckState(lab, service, "-", serving, 0)}`);
  }
}

/** What a death that never recovered left: who serves, where Dummy runs, the survivor's fencing and its last warnings. */
function stuckState(lab: ClusterLab, service: GuestService, victim: string, survivor: string, fromLine: number): string {
  const whole = lab.pacemakerLog(survivor).split("\n");
  const notable = whole.slice(fromLine).filter((line) => /error|warning|fenc|stonith|Initiating|Result of/i.test(line)).slice(-25);
  return [
    `serving: ${service.serving().join(", ") || "none"}; ${FLOOR} on: ${floorGuests(lab).join(", ") || "none"}`,
    `guest events: ${JSON.stringify(lab.guests?.events.slice(-6))}`,
    `fences of ${victim} by fence-xen: ${fenceResults(lab.pacemakerLog(survivor), victim, fromLine).join(", ") || "none"}`,
    `${survivor}'s log: ${whole.length} lines, ${fromLine} before the death; notable since:`,
    ...notable,
    `its last lines:`,
    ...whole.slice(-15),
  ].join("\n");
}

/**
 * One death of the guest serving `web`: its kernel crashes, or its dom0 loses
 * power (then, once the dom0 cluster has fenced that dom0, it is powered on
 * again, as the fence's reboot would). Waits until the service answers on the
 * other guest and Dummy runs there, and the cluster is idle.
 */
export async function killServingGuest(lab: ClusterLab, service: GuestService, death: Scenario3Death): Promise<Scenario3Outcome> {
  const guests = lab.guests;
  if (!guests) throw new Error("scenario 3 needs the lab's guest nodes");
  await readyForDeath(lab, service);
  const victim = service.serving()[0] ?? "(none)";
  const survivor = SCENARIO_3_GUESTS.find((g) => g !== victim) as string;
  const dom0 = guests.domainHost(victim) ?? dom0Of(victim);
  const mark = lineCount(lab.pacemakerLog(survivor));
  const twiceBefore = service.twice().length;
  const t0 = Date.now();
  if (death === "guest crash") guests.crash(victim);
  else lab.powerOff(dom0);
  let hostFenceAt: number | undefined;
  let poweredOn: Promise<void> | undefined;
  let floorSeen: number | undefined;
  const back = await until(
    () => `${SERVICE} and ${FLOOR} back on ${survivor}; ${stuckState(lab, service, victim, survivor, mark)}`,
    () => {
      if (death === "dom0 power loss" && hostFenceAt === undefined) {
        hostFenceAt = fenceDone(lab.fenceLog()).find((f) => f.target === dom0 && f.at >= t0)?.at;
        // the fence's reboot, with no boot time: the dom0's toolstack answers again at once (its daemons start meanwhile)
        if (hostFenceAt !== undefined) poweredOn = lab.powerOn(dom0);
      }
      const serviceAt = service.upAfter(survivor, t0);
      const floorAt = floorGuests(lab).includes(survivor) ? (floorSeen ??= Date.now()) : undefined;
      return serviceAt !== undefined && floorAt !== undefined ? { serviceAt, floorAt } : undefined;
    },
    180_000,
    20,
  );
  await poweredOn;
  await settle(lab, survivor);
  const dead = guests.events.find((e) => e.guest === victim && e.what === "death" && e.at >= t0);
  const survivorLog = lab.pacemakerLog(survivor);
  const requested = corosyncLogged(survivorLog, new RegExp(`Requesting fencing \\(\\w+\\) of node ${victim}\\b`), t0);
  const fenced = corosyncLogged(survivorLog, new RegExp(`Operation '\\w+' .*targeting ${victim} using fence-xen returned 0`), t0);
  return {
    death,
    victim,
    survivor,
    serviceMs: back.serviceAt - t0,
    floorMs: back.floorAt - t0,
    guestDeadMs: dead ? dead.at - t0 : undefined,
    hostFenceMs: hostFenceAt === undefined ? undefined : hostFenceAt - t0,
    fenceResults: fenceResults(survivorLog, victim, mark),
    fenceRequestedMs: requested === undefined ? undefined : requested - t0,
    fenceDoneMs: fenced === undefined ? undefined : fenced - t0,
    twice: service.twice().length - twiceBefore,
  };
}

/**
 * What both guests' logs hold so far: token losses ("A processor failed",
 * once on each guest that lived through it) and fences of a guest fence_xen
 * completed. Taken before and after a set of deaths, the difference shows a
 * guest lost while it lived (a flap: doc/cluster-lab.md §6) as more fences
 * than deaths.
 */
export function guestClusterLosses(lab: ClusterLab): { readonly tokenLosses: number; readonly guestFences: number } {
  const count = (pattern: RegExp, log: (node: string) => string): number => SCENARIO_3_GUESTS.reduce((n, g) => n + log(g).split("\n").filter((line) => pattern.test(line)).length, 0);
  return {
    tokenLosses: count(/A processor failed, forming new configuration/, lab.corosyncLog),
    guestFences: count(/Operation '\w+' \[\d+\] targeting \S+ using fence-xen returned 0/, lab.pacemakerLog),
  };
}

/**
 * The dead guest back: its crashed domain gone, it is created again on its
 * dom0 (as an admin or the dom0 cluster would), boots and rejoins; the
 * floor's state file it left on its disk is removed first, as its reboot
 * clears /run. Then both guests online and the cluster idle.
 */
export async function reviveGuest(lab: ClusterLab, victim: string, survivor: string): Promise<void> {
  await until(`${dom0Of(victim)} answering`, () => (lab.isPoweredOn(dom0Of(victim)) ? true : undefined), 60_000, 100);
  await bothGuestsUp(lab, survivor);
}
