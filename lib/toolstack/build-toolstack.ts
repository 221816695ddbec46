import { describeFailure, type CommandResult } from "../exec/command.ts";
import { genericError } from "../ocf/exit-code.ts";
import type { Dialect } from "./dialect.ts";
import { callFailed, createInvoke } from "./invoke.ts";
import { parseHostInfo } from "./host-info.ts";
import { ownNameOf, wearName } from "./migration-names.ts";
import type { DomainLookup, Toolstack, ToolstackOptions } from "./toolstack.ts";

/**
 * Per-call caps in ms; the action's deadline lowers them further. Listing is
 * a few hypercalls (20-100 ms); `list -l` may wait on QEMU (QMP timeout 10 s);
 * destroy tears down devices; create may run a bootloader (libxl caps it at 120 s).
 */
export const CALL_CAPS = {
  list: 10_000,
  listLong: 15_000,
  info: 10_000,
  create: 120_000,
  destroy: 30_000,
  memSet: 10_000,
} as const;

/** Before a listing is asked again; and the least time a second listing needs to be worth asking. */
const RELIST_PAUSE_MS = 200;
const RELIST_MIN_MS = 500;

export function buildToolstack(dialect: Dialect, options: ToolstackOptions): Toolstack {
  const invoke = createInvoke(dialect.name, options);

  /**
   * A listing that ran and failed (exited non-zero without saying "no such
   * domain") is asked once more after a short pause, when the deadline
   * leaves room: one `xl list` can fail transiently (libxl_list_domain gets
   * EAGAIN from the hypervisor under load), and a recurring monitor failing
   * on it makes Pacemaker restart a healthy domain. The second failure
   * counts. A call that hung is not repeated: it has spent its time.
   */
  const listing = async (args: readonly string[], target?: string): Promise<CommandResult> => {
    const first = await invoke(args, CALL_CAPS.list);
    const failed = first.exitCode !== undefined && first.exitCode !== 0 && !(target !== undefined && dialect.saysAbsent(first, target));
    if (!failed || options.callTimeoutMs(CALL_CAPS.list) < RELIST_PAUSE_MS + RELIST_MIN_MS) return first;
    await new Promise((resolve) => setTimeout(resolve, RELIST_PAUSE_MS));
    return invoke(args, CALL_CAPS.list);
  };

  const listOne = async (target: string, matches: (row: { name: string | undefined; domid: number }) => boolean): Promise<DomainLookup> => {
    const result = await listing(["list", target], target);
    if (dialect.saysAbsent(result, target)) return { present: false };
    if (result.exitCode !== 0) throw callFailed(result);
    const parsed = dialect.parseList(result.stdout);
    if (!parsed.ok) throw genericError(`${result.command}: unexpected output: ${parsed.problem}`);
    const domain = parsed.rows.find(matches);
    if (domain) return { present: true, domain };
    // xend lists a managed domain that is not running with an empty ID: known, but not a domain in Xen.
    if (parsed.inactive.includes(target)) return { present: false };
    throw genericError(`${result.command}: exit 0 but no row for ${target}`);
  };

  return {
    name: dialect.name,
    lookup: (name) => listOne(name, (row) => row.name === name),
    lookupId: (domid) => listOne(String(domid), (row) => row.domid === domid),

    async list() {
      const result = await listing(["list"]);
      if (result.exitCode !== 0) throw callFailed(result);
      const parsed = dialect.parseList(result.stdout);
      if (!parsed.ok) throw genericError(`${result.command}: unexpected output: ${parsed.problem}`);
      // every answer that is used to say "absent" must be a real listing: Domain-0 is always in one
      if (!parsed.rows.some((row) => row.domid === 0)) throw genericError(`${result.command}: exit 0 but no Domain-0 row; not trusting that listing`);
      return parsed.rows;
    },

    async hostInfo() {
      const result = await invoke(["info"], CALL_CAPS.info);
      if (result.exitCode !== 0) throw callFailed(result);
      const parsed = parseHostInfo(result.stdout);
      if (!parsed.ok) throw genericError(`${result.command}: unexpected output: ${parsed.problem}`);
      return parsed.value;
    },

    async memoryBounds() {
      const result = await invoke(["list", "-l"], CALL_CAPS.listLong);
      if (result.exitCode !== 0) throw callFailed(result);
      const parsed = dialect.parseListLong(result.stdout);
      if (!parsed.ok) throw genericError(`${result.command}: unexpected output: ${parsed.problem}`);
      return parsed.value;
    },

    async create(configPath, name) {
      const result = await invoke(dialect.createArgs(configPath, name), CALL_CAPS.create);
      if (result.exitCode !== 0) throw callFailed(result);
    },

    async requestShutdown(name, mode, timeoutMs) {
      const result = await invoke(dialect.shutdownArgs(name, mode), timeoutMs);
      if (result.exitCode === 0) return { kind: "sent" };
      if (dialect.saysAbsent(result, name)) return { kind: "absent" };
      if (dialect.saysNoPvControl(result)) return { kind: "no-pv-control", detail: callFailed(result).message };
      return { kind: "unconfirmed", detail: callFailed(result).message };
    },

    async destroy(name) {
      const result = await invoke(["destroy", name], CALL_CAPS.destroy);
      if (result.exitCode === 0) return { kind: "destroyed" };
      if (dialect.saysAbsent(result, name)) return { kind: "absent" };
      return { kind: "failed", detail: callFailed(result).message };
    },

    async setMemoryTarget(name, mib) {
      const result = await invoke(dialect.memSetArgs(name, mib), CALL_CAPS.memSet);
      if (result.exitCode !== 0) throw callFailed(result);
    },

    migrationNames: (name) => dialect.migrationNames.map((affix) => ({ role: affix.role, name: wearName(affix, name) })),
    ownName: (listed) => dialect.migrationNames.map((affix) => ownNameOf(affix, listed)).find((own) => own !== undefined) ?? listed,

    async listUuids() {
      if (!dialect.listUuids) throw genericError(`${dialect.name} cannot list domains by UUID; give the domain's name`);
      const result = await invoke(dialect.listUuids.args, CALL_CAPS.list);
      if (result.exitCode !== 0) throw callFailed(result);
      const rows = dialect.listUuids.parse(result.stdout);
      if (rows === undefined) throw genericError(`${result.command}: unexpected output`);
      return rows;
    },

    async dumpCore(name, file, timeoutMs) {
      const result = await invoke.within(["dump-core", name, file], timeoutMs);
      return result.exitCode === 0 ? { kind: "saved" } : { kind: "failed", detail: describeFailure(result) };
    },
  };
}
