import { join } from "node:path";
import type { Deadline } from "../../lib/ocf/deadline.ts";
import { genericError, OcfError } from "../../lib/ocf/exit-code.ts";
import type { Logger } from "../../lib/ocf/logger.ts";
import type { PlugStatus, PowerDevice } from "../../lib/fence/power-actions.ts";
import { copyNames, eachDom0Of, failuresOf, reasonOf, type Dom0 } from "../../lib/toolstack/dom0s.ts";
import { UUID } from "../../lib/toolstack/list-verbose.ts";
import { namesByUuid } from "./uuid-lookup.ts";

/**
 * fence_xen's device: a set of dom0s. A domain is OFF only when every dom0's
 * toolstack answered and none lists it, under its name or any name it carries
 * during a migration (xl: NAME--incoming on the target, NAME--migratedaway on
 * the source; xm: migrating-NAME). A dom0 that does not answer makes the
 * state unknown, and so status, off and on fail, naming that dom0. A plug
 * that every dom0 answered for and none lists is "missing", not "off": the
 * protocol decides (lib/fence/power-actions.ts, missing_as_off).
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
}

interface Sighting {
  readonly dom0: Dom0;
  readonly names: readonly string[];
}

export function xenPowerDevice(options: XenPowerOptions): PowerDevice {
  const { dom0s, log } = options;
  const eachDom0 = eachDom0Of(dom0s);
  /** Names under which a UUID plug was seen; needed for the lease notes. */
  const seenNames = new Map<string, string>();
  /** Plugs whose fence was announced in the pool; only those get a confirmation. */
  const announced = new Set<string>();
  /** Every guest name the dom0s listed during this action, to name what a mistyped plug may have meant. */
  const listed = new Set<string>();

  async function namesOn(dom0: Dom0, plug: string): Promise<string[]> {
    if (UUID.test(plug)) return namesByUuid(dom0, plug);
    const wanted = new Set(copyNames(plug, dom0));
    const rows = await dom0.toolstack.list();
    for (const row of rows) if (row.name !== undefined && row.domid !== 0) listed.add(row.name);
    return rows.flatMap((row) => (row.name !== undefined && row.domid !== 0 && wanted.has(row.name) ? [row.name] : []));
  }

  /** Every dom0 asked at once; each answer, in dom0_list order, is a sighting or a failure. */
  async function scan(plug: string): Promise<{ sightings: Sighting[]; failures: string[] }> {
    const answers = await eachDom0((dom0) => namesOn(dom0, plug));
    const sightings = answers.flatMap((a) => (a.value !== undefined && a.value.length > 0 ? [{ dom0: a.dom0, names: a.value }] : []));
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

  return {
    async status(plug) {
      const { sightings, failures } = await scan(plug);
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
      const { sightings, failures } = await scan(plug);
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
      for (const dom0 of dom0s) {
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
      const problems = failuresOf(await eachDom0((dom0) => dom0.toolstack.list()));
      if (problems.length > 0) throw genericError(`dom0s not answering: ${problems.join("; ")}`);
    },

    async beforeOff(plug) {
      if (!options.leaseNotes) return;
      if (UUID.test(plug)) await scan(plug); // learns the name, if any dom0 has the domain
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
