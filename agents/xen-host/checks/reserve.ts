import { describeFailure } from "../../../lib/exec/command.ts";
import { readUserFile } from "../../../lib/exec/read-user-file.ts";
import { CLAIM_OPTIONS } from "../../../lib/cib/model/claims.ts";
import { readCib, type PrimitiveDef } from "../../../lib/cib/model/model.ts";
import { pairValue, property } from "../../../lib/cib/model/queries.ts";
import { domainSettings, memoryNeedMiB } from "../../../lib/toolstack/domain-settings.ts";
import { parseXlConfig } from "../../../lib/toolstack/xl-config.ts";
import { parseXml } from "../../../lib/xml/parse.ts";
import { checkTimeoutMs, type XenHostContext } from "../deps.ts";
import { green, red, yellow, type Finding } from "../health.ts";

/**
 * The failover reserve (doc/xen-host.md §5): when `failures` of the `hosts`
 * fail, the survivors hold every domain, each an equal share (what
 * placement-strategy=balanced aims at). This host already holds the domains
 * it runs; the rest of its share must be free in Xen now.
 */
export interface ReserveBasis {
  readonly hosts: number;
  readonly failures: number;
  /** Where `failures` came from, for the sentence. */
  readonly failuresFrom: "CIB" | "failures_tolerated";
  readonly domains: readonly DomainNeed[];
}

export interface DomainNeed {
  /** The resource id. */
  readonly id: string;
  /** The Xen domain name (to see whether it runs here); undefined when neither the CIB nor its file says. */
  readonly name: string | undefined;
  /** undefined when not known; `problem` says why. */
  readonly memoryMiB: number | undefined;
  readonly problem?: string;
}

export interface Reserve {
  readonly totalMiB: number;
  readonly survivors: number;
  readonly shareMiB: number;
  readonly hereMiB: number;
  readonly reserveMiB: number;
}

export function reserveOf(basis: ReserveBasis, runningHere: ReadonlySet<string>): Reserve {
  const known = basis.domains.filter((d) => d.memoryMiB !== undefined);
  const totalMiB = known.reduce((sum, d) => sum + (d.memoryMiB ?? 0), 0);
  const survivors = Math.max(1, basis.hosts - basis.failures);
  const shareMiB = Math.ceil(totalMiB / survivors);
  const hereMiB = known.filter((d) => d.name !== undefined && runningHere.has(d.name)).reduce((sum, d) => sum + (d.memoryMiB ?? 0), 0);
  return { totalMiB, survivors, shareMiB, hereMiB, reserveMiB: Math.max(0, shareMiB - hereMiB) };
}

/** The agents whose resources are Xen domains with xmfile and name parameters (ours, and the one it replaces). */
const DOMAIN_AGENTS = new Set(["ocf:xen-ha:XenDomain", "ocf:heartbeat:Xen"]);
/** The utilization name the capacity templates, ocf:heartbeat:Xen and VirtualDomain use for a domain's memory (MiB). */
const MEMORY_UTILIZATION = "hv_memory";
const CIB_CAP_BYTES = 16 * 1024 * 1024;
const CONFIG_MAX_BYTES = 64 * 1024;

export type BasisRead = { readonly ok: true; readonly basis: ReserveBasis } | { readonly ok: false; readonly problem: string };

/**
 * The CIB's configuration section, as cibadmin gives it (pacemaker-based on a
 * live node; CIB_file in tests), then each domain's configuration file where
 * the CIB lacks its memory or name. All of it within cib_timeout.
 */
export async function readReserveBasis(ctx: XenHostContext): Promise<BasisRead> {
  const limitMs = checkTimeoutMs(ctx, ctx.params.cib_timeout * 1000);
  const started = ctx.deps.now();
  const query = await ctx.deps.run("cibadmin", ["--query", "--scope=configuration"], { timeoutMs: limitMs, env: ctx.deps.env });
  if (query.timedOut) return { ok: false, problem: `cibadmin --query gave no answer within ${limitMs} ms` };
  if (query.exitCode !== 0) return { ok: false, problem: describeFailure(query) };
  if (query.stdout.length > CIB_CAP_BYTES) return { ok: false, problem: `the CIB's configuration is larger than ${CIB_CAP_BYTES} bytes` };
  const parsed = parseXml(`<cib>${query.stdout}</cib>`);
  if (!parsed.ok) return { ok: false, problem: `cibadmin printed no CIB configuration (${parsed.problem})` };
  const read = readCib(parsed.root);
  if (!read.ok) return { ok: false, problem: read.problem };
  const { cib } = read;

  const declared = property(cib, CLAIM_OPTIONS.failuresTolerated);
  const fromCib = declared !== undefined && /^\d+$/.test(declared.trim()) ? Number(declared) : undefined;
  const leftMs = () => Math.max(1, limitMs - (ctx.deps.now() - started));
  const domains = await Promise.all(cib.primitives.filter((p) => DOMAIN_AGENTS.has(p.agent)).map((p) => domainNeed(ctx, p, leftMs)));
  return {
    ok: true,
    basis: {
      hosts: cib.nodes.length,
      failures: fromCib ?? ctx.params.failures_tolerated,
      failuresFrom: fromCib === undefined ? "failures_tolerated" : "CIB",
      domains,
    },
  };
}

async function domainNeed(ctx: XenHostContext, primitive: PrimitiveDef, leftMs: () => number): Promise<DomainNeed> {
  const id = primitive.id;
  const utilization = pairValue(primitive.utilization, MEMORY_UTILIZATION)?.trim();
  const fromCib = utilization !== undefined && /^\d+$/.test(utilization) ? Number(utilization) : undefined;
  const name = pairValue(primitive.params, "name");
  if (fromCib !== undefined && name !== undefined) return { id, name, memoryMiB: fromCib };

  const xmfile = pairValue(primitive.params, "xmfile");
  const unknown = (problem: string): DomainNeed => ({ id, name, memoryMiB: fromCib, problem });
  if (xmfile === undefined || !xmfile.startsWith("/")) return unknown(`no ${MEMORY_UTILIZATION} utilization and no absolute xmfile`);
  const file = await readUserFile(ctx.deps.run, xmfile, { maxBytes: CONFIG_MAX_BYTES, timeoutMs: leftMs(), env: ctx.deps.env });
  if (!file.ok) return unknown(`no ${MEMORY_UTILIZATION} utilization, and ${xmfile} ${file.problem}`);
  const config = parseXlConfig(file.text);
  if (!config.ok) return unknown(`no ${MEMORY_UTILIZATION} utilization, and ${xmfile}: ${config.problem}`);
  const settings = domainSettings(config.settings, "xl");
  return { id, name: name ?? settings.name, memoryMiB: fromCib ?? memoryNeedMiB(settings) };
}

export interface ReserveReport {
  readonly findings: readonly Finding[];
  /** The reserve, when known in full: the CIB read, the toolstack answered, every domain's memory and name known. */
  readonly reserveMiB: number | undefined;
}

/**
 * The finding: red when Xen's free memory is short of the reserve, yellow
 * within reserve_yellow_percent of it or when a domain's memory is not known
 * (the reserve then counts only the known ones, a lower bound: no figure is
 * published from it), green otherwise.
 */
export function judgeReserve(ctx: XenHostContext, read: BasisRead, freeMiB: number | undefined, runningHere: ReadonlySet<string> | undefined): ReserveReport {
  const check = "memory reserve";
  if (!read.ok) return { findings: [yellow(check, `cannot read the CIB, so the reserve is not known: ${read.problem}`)], reserveMiB: undefined };
  // the toolstack did not answer: its own finding is red
  if (freeMiB === undefined || runningHere === undefined) return { findings: [], reserveMiB: undefined };
  const { basis } = read;
  const r = reserveOf(basis, runningHere);
  const unknown = basis.domains.filter((d) => d.memoryMiB === undefined || d.name === undefined);
  const partial = unknown.map((d) => yellow(check, `${d.id}: ${d.memoryMiB === undefined ? "memory" : "domain name"} not known (${d.problem ?? "no name parameter"})`));
  const rule =
    `${basis.failures} of ${basis.hosts} host(s) failing (${basis.failuresFrom}) leave this host a share of ` +
    `${r.shareMiB} MiB of ${r.totalMiB} MiB over ${r.survivors}, ${r.hereMiB} MiB of it running here`;
  const yellowBelow = Math.ceil((r.reserveMiB * ctx.params.reserve_yellow_percent) / 100);
  const verdict =
    freeMiB < r.reserveMiB
      ? red(check, `Xen has ${freeMiB} MiB free, less than the ${r.reserveMiB} MiB reserve: ${rule}`)
      : freeMiB < yellowBelow
        ? yellow(check, `Xen has ${freeMiB} MiB free, less than ${ctx.params.reserve_yellow_percent}% of the ${r.reserveMiB} MiB reserve: ${rule}`)
        : green(check, `Xen has ${freeMiB} MiB free, reserve ${r.reserveMiB} MiB: ${rule}`);
  return { findings: [verdict, ...partial], reserveMiB: unknown.length === 0 ? r.reserveMiB : undefined };
}
