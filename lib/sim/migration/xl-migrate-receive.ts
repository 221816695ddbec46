import { appendFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { SimContext } from "../context.ts";
import { missingDevices } from "../host/dom0-view.ts";
import { hangForever } from "../host/faults.ts";
import { neededMiB, shrinkDom0, unpauseDomain } from "../host/hypervisor.ts";
import { configFromStreamJson } from "../xl/libxl-json-read.ts";
import { childEnv, daemonErrorLog, destroyDomain } from "../host/lifecycle.ts";
import { acquireUnbounded } from "../host/lock.ts";
import { libxlLine } from "../xl/messages.ts";
import type { DomainConfig, MigrationFault } from "../host/model.ts";
import { createArriving, growArriving, renameWithConfig } from "./domain.ts";
import {
  byteReader,
  FINAL_ROUND,
  ignoreStreamErrors,
  PERMISSION_TO_GO,
  readHeader,
  readRecord,
  RECEIVER_BANNER,
  RECEIVER_READY,
  RECEIVER_REPORT,
  writeAll,
  type ByteReader,
} from "./stream.ts";
import { hostPaths } from "../host/paths.ts";
import { PAGES_PER_MIB } from "./precopy.ts";
import { spawnDetached } from "../host/processes.ts";
import { findByDomid } from "../host/store.ts";
import type { XlCommand } from "../xl/command.ts";

/**
 * `xl migrate-receive` (xl_migrate.c migrate_receive, xl_vmcontrol.c
 * create_domain's restore path), the far end of `xl migrate`, started by the
 * transport with the stream on stdin and stdout. It builds `NAME--incoming`
 * paused and fills its memory as pages arrive, then asks for permission,
 * renames to NAME and unpauses. The host's `migrationFault` knob breaks it
 * in the phase named (§4.4): a dropped link ends the transport with ssh's
 * 255 and nothing more from this side reaches the sender.
 */
const PREFIX = "migration target";

interface Receipt {
  readonly ctx: SimContext;
  readonly reader: ByteReader;
  readonly output: NodeJS.WritableStream;
  readonly fault: MigrationFault;
}

/** The link is gone: the sender's ssh reports it; what this side does next is only in its log. */
function dropLink(r: Receipt): number {
  r.ctx.io.stderr("client_loop: send disconnect: Broken pipe\n");
  r.reader.close();
  return 255;
}

function targetLog(ctx: SimContext): (line: string) => void {
  const file = join(hostPaths(ctx.root, ctx.host).logDir, "migrate-receive.log");
  return (line) => appendFileSync(file, line);
}

async function creationFailed(r: Receipt, domid: number | undefined, code: number, quiet = false): Promise<number> {
  if (domid !== undefined) await destroyDomain(r.ctx, domid); // libxl destroys a half-built domain
  if (!quiet) r.ctx.io.stderr(`${PREFIX}: Domain creation failed (code ${code}).\n`);
  r.reader.close();
  return 1;
}

const STREAM_TRUNCATED =
  "xc: error: Failed to read Record Header from stream (0 = Success): Internal error\n" + "xc: error: Restore failed (0 = Success): Internal error\n";

/** The memory stream, until its END record; the number of the failure code, or undefined when complete. */
async function receiveMemory(r: Receipt, domid: number, config: DomainConfig): Promise<{ code: number; quiet?: boolean } | "link-dropped" | undefined> {
  const { ctx } = r;
  const totalPages = config.memoryMiB * PAGES_PER_MIB;
  let firstRound = 0;
  for (;;) {
    const record = await readRecord(r.reader);
    if (record.type === "end") return undefined;
    if (record.type !== "pages") {
      ctx.io.stderr(record.type === "truncated" ? STREAM_TRUNCATED : `xc: error: Invalid record type ${record.code}\n`);
      ctx.io.stderr(libxlLine("error", "libxl__xc_domain_restore_done", domid, "restoring domain: Success"));
      ctx.io.stderr(libxlLine("error", "domcreate_rebuild_done", domid, "cannot (re-)build domain: -3"));
      return { code: -3 };
    }
    const halfway = record.round === 0 && firstRound >= totalPages / 2;
    if (record.round === FINAL_ROUND && r.fault === "drop-stopcopy") return "link-dropped";
    if (halfway && r.fault === "drop-precopy") return "link-dropped";
    if (halfway && r.fault === "kill-receiver") {
      // killed outright: no clean-up, no call-log end; the running-call marker goes so that no later host kill signals a reused pid
      rmSync(join(hostPaths(ctx.root, ctx.host).runningDir, String(process.pid)), { force: true });
      process.kill(process.pid, "SIGKILL");
    }
    if (halfway && r.fault === "stall") {
      r.reader.stall();
      await hangForever();
    }
    if (record.round !== 0) continue;
    firstRound += record.pages;
    const grown = halfway && r.fault === "oom" ? "no-memory" : growArriving(ctx, domid, Math.floor(firstRound / PAGES_PER_MIB));
    if (grown === "no-memory") {
      ctx.io.stderr(`xc: error: Failed to populate pfns for domain ${domid}: Cannot allocate memory (12 = Cannot allocate memory): Internal error\n`);
      ctx.io.stderr(libxlLine("error", "libxl__xc_domain_restore_done", domid, "restoring domain: Cannot allocate memory"));
      ctx.io.stderr(libxlLine("error", "domcreate_rebuild_done", domid, "cannot (re-)build domain: -3"));
      return { code: -3 };
    }
    if (grown === "gone") return { code: -3 };
  }
}

/** Device hotplug after the memory: a disk or bridge this dom0 lacks fails the creation (after the whole transfer). */
function devicesProblem(ctx: SimContext, domid: number, config: DomainConfig): boolean {
  const missing = missingDevices(ctx.read(), config);
  for (const device of missing) {
    const message = device.kind === "disk" ? `script: /etc/xen/scripts/block failed; error detected. (${device.name} not found)` : `script: Could not find bridge device ${device.name}`;
    ctx.io.stderr(libxlLine("error", "device_hotplug_child_death_cb", domid, message));
  }
  if (missing.length > 0) ctx.io.stderr(libxlLine("error", "domcreate_attach_devices", domid, "unable to add devices"));
  return missing.length > 0;
}

/** Receives the domain (create_domain's restore path); the domid, or the exit code. */
async function receiveDomain(r: Receipt, monitor: boolean): Promise<{ domid: number; config: DomainConfig; daemon: Promise<void> | undefined } | number> {
  const { ctx } = r;
  const header = await readHeader(r.reader);
  if (!header.ok) {
    if (header.problem === "magic") ctx.io.stderr("File has wrong magic number - corrupt or for a different tool?\n");
    else ctx.io.stderr(libxlLine("error", "libxl_read_exactly", null, "file/stream truncated reading savefile header from <incoming migration stream>"));
    return creationFailed(r, undefined, -3);
  }
  ctx.io.stderr(`Loading new save file <incoming migration stream> (new xl fmt info 0x3/0x0/${header.optionalLength})\n`);
  ctx.io.stderr(" Savefile contains xl domain config in JSON format\n");
  ctx.io.stderr("Parsing config from <saved>\n");
  const parsed = configFromStreamJson(header.configJson);
  if ("error" in parsed) {
    ctx.io.stderr(`${parsed.error}\n`);
    return creationFailed(r, undefined, -6);
  }
  const config = { ...parsed, name: `${parsed.name}--incoming` };
  const autoballoon = ctx.read().knobs.autoballoon;
  const release = autoballoon ? await acquireUnbounded(hostPaths(ctx.root, ctx.host).xlLockFile) : () => {};
  try {
    if (autoballoon) ctx.update((record) => shrinkDom0(record, neededMiB(config)));
    await ctx.clock.sleep(ctx.clock.ms("migrateSetupMs"));
    const created = await createArriving(ctx, config);
    if (created.kind !== "created") {
      const clash = created.kind === "name-clash";
      ctx.io.stderr(
        clash
          ? libxlLine("error", "libxl__domain_rename", created.domid, `Domain with name "${config.name}" already exists.`) +
              libxlLine("error", "initiate_domain_create", created.domid, "cannot make domain: -6")
          : libxlLine("error", "libxl__build_dom", created.domid, "xc_dom_boot_mem_init failed: Cannot allocate memory") +
              libxlLine("error", "domcreate_rebuild_done", created.domid, "cannot (re-)build domain: -3"),
      );
      return creationFailed(r, undefined, clash ? -6 : -3);
    }
    const domid = created.domain.domid;
    const received = await receiveMemory(r, domid, config);
    if (received === "link-dropped") {
      const code = dropLink(r);
      await destroyDomain(ctx, domid);
      targetLog(ctx)(`${PREFIX}: link lost while receiving ${config.name}; destroyed domain ${domid}\n`);
      return code;
    }
    if (received !== undefined) return creationFailed(r, domid, received.code);
    if (devicesProblem(ctx, domid, config)) return creationFailed(r, domid, -3);
    // xl forks its monitoring daemon now; Node's start-up is not waited for (xl's fork takes a millisecond)
    const daemon = monitor ? spawnDetached("sim-monitor", [ctx.root, ctx.host, String(domid), config.uuid], childEnv(ctx), daemonErrorLog(ctx)) : undefined;
    return { domid, config: parsed, daemon: daemon?.then(() => undefined, () => undefined) };
  } finally {
    release();
  }
}

export const xlMigrateReceive: XlCommand = {
  name: "migrate-receive",
  description: "Receive a migrating domain (run by xl migrate on the target host)",
  usage: "[options]",
  options: "-e                      Do not wait in the background for the death of the domain.\n-d                      Debug.\n-p                      Do not unpause the domain after receiving it.",
  spec: { short: "FedtpTvr:R:" },
  minArgs: 0,
  async run(ctx, options) {
    const { input, output } = ctx.io;
    if (!input || !output) {
      ctx.io.stderr("xl migrate-receive: needs the migration stream on stdin and stdout\n");
      return 1;
    }
    ignoreStreamErrors(output);
    const flags = new Set(options.flags);
    const r: Receipt = { ctx, reader: byteReader(input), output, fault: ctx.read().knobs.migrationFault };
    ctx.io.stderr(`${PREFIX}: Ready to receive domain.\n`);
    if (r.fault === "banner") await writeAll(output, "Last login: Wed Nov 25 09:12:44 2026 from 10.0.0.1\n");
    if (!(await writeAll(output, RECEIVER_BANNER))) return 1;
    const received = await receiveDomain(r, !flags.has("e") && !flags.has("F"));
    if (typeof received === "number") return received;
    try {
      return await handshake(r, received.domid, received.config, flags.has("p"));
    } finally {
      await received.daemon;
    }
  },
};

/** Step 6 of §4.3 once permission came: rename NAME--incoming to NAME, unpause (unless -p); libxl's rc. */
async function startDomain(r: Receipt, domid: number, config: DomainConfig, leavePaused: boolean): Promise<number> {
  const { ctx } = r;
  ctx.io.stderr(`${PREFIX}: Got permission, starting domain.\n`);
  await ctx.clock.sleep(ctx.clock.ms("migrateNameGapMs"));
  const renamed = ctx.update((record) => renameWithConfig(record, domid, `${config.name}--incoming`, config.name));
  if (renamed === "name-taken") {
    ctx.io.stderr(libxlLine("error", "libxl__domain_rename", domid, `Domain with name "${config.name}" already exists.`));
    return -6;
  }
  if (renamed === "missing") return -3;
  if (leavePaused) return 0;
  const unpaused =
    r.fault !== "start-failure" &&
    ctx.update((record) => {
      const domain = findByDomid(record, domid);
      return domain !== undefined && unpauseDomain(record, domain, ctx.persona.pauseCounted, Date.now());
    });
  if (unpaused) return 0;
  ctx.io.stderr(libxlLine("error", "libxl_domain_unpause", domid, "Unpausing domain: Input/output error"));
  return -3;
}

/** Steps 4-6 of §4.3: ready, permission, start, report; a failure destroys our copy and lets the sender resume. */
async function handshake(r: Receipt, domid: number, config: DomainConfig, leavePaused: boolean): Promise<number> {
  const { ctx, output } = r;
  ctx.io.stderr(`${PREFIX}: Transfer complete, requesting permission to start domain.\n`);
  if (!(await writeAll(output, RECEIVER_READY))) return 1;
  if (r.fault === "lose-go") return dropLink(r);
  const go = await r.reader.readExactly(PERMISSION_TO_GO.length);
  const rc = go?.toString("latin1") === PERMISSION_TO_GO ? await startDomain(r, domid, config, leavePaused) : -3;
  if (rc === 0) ctx.io.stderr(`${PREFIX}: Domain started successsfully.\n`);
  if (rc === 0 && r.fault === "lose-report") return dropLink(r);
  // perhaps_destroy_notify_rc: when the sender cannot hear the report, our copy stays as it is (exit -ERROR_BADFAIL)
  if (!(await writeAll(output, Buffer.concat([Buffer.from(RECEIVER_REPORT, "latin1"), Buffer.from([-rc & 0xff])])))) return 7;
  if (rc !== 0) {
    ctx.io.stderr(`${PREFIX}: Failure, destroying our copy.\n`);
    await destroyDomain(ctx, domid);
    ctx.io.stderr(`${PREFIX}: Cleanup OK, granting sender permission to resume.\n`);
    if (!(await writeAll(output, PERMISSION_TO_GO))) return 7;
  }
  r.reader.close();
  return 0;
}
