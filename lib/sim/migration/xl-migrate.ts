import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { isAbsolute, join } from "node:path";
import { ToolExit, type SimContext } from "../context.ts";
import { destroyDomain } from "../host/lifecycle.ts";
import { libxlLine } from "../xl/messages.ts";
import type { DomainConfig } from "../host/model.ts";
import { resumeGuest, renameWithConfig, suspendGuest } from "./domain.ts";
import {
  byteReader,
  encodeHeader,
  END_RECORD,
  FINAL_ROUND,
  ignoreStreamErrors,
  pageRecord,
  PERMISSION_TO_GO,
  RECEIVER_BANNER,
  RECEIVER_READY,
  RECEIVER_REPORT,
  writeAll,
  type ByteReader,
} from "./stream.ts";
import { streamConfigJson } from "../xl/libxl-json-read.ts";
import { PAGES_PER_MIB, planPrecopy, STREAM_V2, transferMs } from "./precopy.ts";
import { behaviourOf, findByDomid } from "../host/store.ts";
import { findDomain, type XlCommand } from "../xl/command.ts";
import { loadConfig } from "../xl/create.ts";

/**
 * `xl migrate` (xl_migrate.c main_migrate, migrate_domain): runs the
 * transport ("rune") with `sh -c`, checks the receiver's banner, sends the
 * header and config, streams memory in pre-copy rounds while the guest runs,
 * suspends it for the stop-and-copy pass, then the handshake of §4.3 with
 * the renames to NAME--migratedaway at the source and NAME at the target.
 * Every failure ends as xl's does (§4.4): resumed at the source before the
 * point of no return, "CHECK AT BOTH ENDS" after it.
 */
const SENDER = "migration sender";
/** Pages per stream write: the target's Mem grows in steps of 32 MiB. */
const BATCH_PAGES = 32 * PAGES_PER_MIB;
/** xl waits 2 s for the transport to exit (xl_migrate.c migration_child_report); processes exit in real time, so unscaled. */
const CHILD_REPORT_MS = 2_000;

interface Transport {
  readonly child: ChildProcess;
  readonly reader: ByteReader;
  readonly rune: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** xl_migrate.c: `exec SSHCMD HOST xl migrate-receive [-e] [-d] [-p]`, or HOST itself with `-s ''`. */
export function migrationRune(sshCommand: string, host: string, flags: { monitor: boolean; debug: boolean; paused: boolean }): string {
  if (sshCommand === "") return host;
  return `exec ${sshCommand} ${host} xl migrate-receive${flags.monitor ? "" : " -e"}${flags.debug ? " -d" : ""}${flags.paused ? " -p" : ""}`;
}

function startTransport(ctx: SimContext, rune: string): Transport {
  // the transport's stderr is xl's (ssh and the receiver speak to the admin through it)
  const child = spawn("sh", ["-c", rune], { stdio: ["pipe", "pipe", "pipe"], env: { ...ctx.io.env, NODE_OPTIONS: undefined }, cwd: ctx.io.cwd });
  const stdin = child.stdin as NonNullable<typeof child.stdin>;
  ignoreStreamErrors(stdin);
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (text: string) => ctx.io.stderr(text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("error", () => resolve({ code: 127, signal: null }));
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  return { child, reader: byteReader(child.stdout as NonNullable<typeof child.stdout>), rune, exited };
}

/**
 * migration_child_report: close our end, wait (bounded) for the transport, report a failure status.
 * After a success xl reports nothing; the wait only lets the receiver's last words through.
 */
async function childReport(ctx: SimContext, transport: Transport, quiet = false): Promise<void> {
  transport.child.stdin?.end();
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), CHILD_REPORT_MS)));
  const status = await Promise.race([transport.exited, giveUp]);
  clearTimeout(timer);
  const pid = transport.child.pid ?? 0;
  if (quiet) {
    // nothing to say after a success
  } else if (status === undefined) {
    ctx.io.stderr(`migration child [${pid}] not exiting, no longer waiting (exit status will be unreported)\n`);
  } else if (status.signal) {
    ctx.io.stderr(libxlLine("info", "libxl_report_child_exitstatus", null, `migration transport process [${pid}] died due to fatal signal ${status.signal}`));
  } else if (status.code !== 0) {
    ctx.io.stderr(libxlLine("info", "libxl_report_child_exitstatus", null, `migration transport process [${pid}] exited with error status ${status.code}`));
  }
  // xl exits whether or not the transport has: a lingering ssh is left to itself
  transport.child.unref();
  transport.child.stderr?.destroy();
  transport.reader.close();
}

/** Ends xl migrate with exit 1: `lines` are printed before the transport's status is reported, `after` after it. */
async function fail(ctx: SimContext, transport: Transport, lines: string, after = ""): Promise<never> {
  ctx.io.stderr(lines);
  transport.child.stdin?.end();
  await childReport(ctx, transport);
  ctx.io.stderr(after);
  throw new ToolExit(1);
}

/** The stored config, or the -C file (read as xl.cfg), as the stream will carry it. */
function configToSend(ctx: SimContext, domid: number, overrideFile: string | undefined): DomainConfig {
  if (overrideFile !== undefined) {
    try {
      accessSync(isAbsolute(overrideFile) ? overrideFile : join(ctx.io.cwd, overrideFile), constants.R_OK);
    } catch {
      ctx.io.stderr("failed to read override config file\n");
      throw new ToolExit(1);
    }
    return loadConfig(ctx, overrideFile, [], true);
  }
  const config = findByDomid(ctx.read(), domid)?.config;
  if (!config) {
    ctx.io.stderr("No config file stored for running domain and none supplied - cannot migrate.\n");
    throw new ToolExit(1);
  }
  return config;
}

/** The memory stream: pre-copy rounds while the guest runs, suspend, stop-and-copy. Returns libxl's rc. */
async function sendMemory(ctx: SimContext, transport: Transport, domid: number, memoryMiB: number): Promise<number> {
  const stdin = transport.child.stdin as NonNullable<typeof transport.child.stdin>;
  const record = ctx.read();
  const name = findByDomid(record, domid)?.name ?? null;
  const msPerGiB = ctx.clock.timing.migrateMsPerGiB;
  const plan = planPrecopy(
    {
      memoryPages: memoryMiB * PAGES_PER_MIB,
      dirtyPagesPerS: behaviourOf(record, name).dirtyMiBPerS * PAGES_PER_MIB,
      linkPagesPerS: (1024 * PAGES_PER_MIB * 1000) / msPerGiB,
    },
    STREAM_V2,
  );
  // each pass is one record at least: the stop-and-copy pass also carries the vCPU state
  const send = async (pages: number, round: number): Promise<boolean> => {
    let left = pages;
    do {
      const batch = Math.min(left, BATCH_PAGES);
      await ctx.clock.sleep(ctx.clock.scale(transferMs(batch, msPerGiB)));
      if (!(await writeAll(stdin, pageRecord(batch, round)))) return false;
      left -= batch;
    } while (left > 0);
    return true;
  };
  for (const [round, pages] of plan.rounds.entries()) {
    if (!(await send(pages, round))) return writeFailed(ctx, domid);
  }
  const suspended = await suspendGuest(ctx, domid);
  if (suspended === "no-ack") {
    ctx.io.stderr(libxlLine("error", "domain_suspend_common_pvcontrol_suspending", domid, "guest didn't acknowledge suspend, cancelling request"));
    return -8;
  }
  if (suspended === "not-suspended") {
    ctx.io.stderr(libxlLine("error", "domain_suspend_common_wait_guest_timeout", domid, "guest did not suspend, timed out"));
    return -8;
  }
  if (suspended === "gone") return -3;
  const { migrateDowntimeMinMs: low, migrateDowntimeMaxMs: high } = ctx.clock.timing;
  await ctx.clock.sleep(ctx.clock.scale(low + Math.random() * Math.max(0, high - low)));
  if (!(await send(plan.finalPages, FINAL_ROUND)) || !(await writeAll(stdin, END_RECORD))) return writeFailed(ctx, domid);
  return 0;
}

function writeFailed(ctx: SimContext, domid: number): number {
  ctx.io.stderr(libxlLine("error", "libxl__stream_write_complete", domid, "saving domain: Broken pipe"));
  return -3;
}

async function readFixed(reader: ByteReader, message: string): Promise<"ok" | "eof" | "mismatch"> {
  const bytes = await reader.readExactly(Buffer.byteLength(message, "latin1"));
  if (!bytes) return "eof";
  return bytes.toString("latin1") === message ? "ok" : "mismatch";
}

const FAILED_BADLY =
  "** Migration failed during final handshake **\n" +
  "Domain state is now undefined !\n" +
  "Please CHECK AT BOTH ENDS for running instances, before renaming and\n" +
  " resuming at most one instance.  Two simultaneous instances of the domain\n" +
  " would probably result in SEVERE DATA LOSS and it is now your\n" +
  " responsibility to avoid that.  Sorry.\n";

async function migrateDomain(ctx: SimContext, domid: number, host: string, options: { ssh: string; monitor: boolean; debug: boolean; paused: boolean; config: string | undefined }): Promise<number> {
  const config = configToSend(ctx, domid, options.config);
  const live = findByDomid(ctx.read(), domid);
  const commonName = live?.name ?? config.name;
  const rune = migrationRune(options.ssh, host, options);
  const transport = startTransport(ctx, rune);
  const { reader } = transport;
  const stdin = transport.child.stdin as NonNullable<typeof transport.child.stdin>;

  const banner = await readFixed(reader, RECEIVER_BANNER);
  if (banner === "eof") {
    await fail(ctx, transport, libxlLine("error", "libxl_read_exactly", null, "file/stream truncated reading banner from migration receiver stream"));
  }
  if (banner === "mismatch") {
    await fail(ctx, transport, `migration receiver stream contained unexpected data instead of banner\n(command run was: ${rune} )\n`);
  }
  const header = encodeHeader(
    streamConfigJson(config, {
      name: commonName,
      uuid: live?.uuid ?? config.uuid,
      vcpus: options.config === undefined ? (live?.vcpus ?? config.vcpus) : config.vcpus,
      maxMemoryMiB: options.config === undefined ? (live?.maxMemoryMiB ?? config.maxMemoryMiB) : config.maxMemoryMiB,
      targetMiB: options.config === undefined ? (live?.targetMiB ?? config.memoryMiB) : config.memoryMiB,
    }),
  );
  ctx.io.stderr(`Saving to migration stream new xl format (info 0x3/0x0/${header.optionalLength})\n`);
  const memoryMiB = live?.targetMiB ?? config.memoryMiB;
  const rc = (await writeAll(stdin, header.bytes)) ? await sendMemory(ctx, transport, domid, memoryMiB) : writeFailed(ctx, domid);
  if (rc !== 0) {
    ctx.io.stderr(`${SENDER}: libxl_domain_suspend failed (rc=${rc})\n`);
    if (rc === -8) await fail(ctx, transport, "", "Migration failed, failed to suspend at sender.\n");
    await failedResume(ctx, transport, domid);
  }
  if ((await readFixed(reader, RECEIVER_READY)) !== "ok") await failedResume(ctx, transport, domid);

  ctx.io.stderr(`${SENDER}: Target has acknowledged transfer.\n`);
  const away = `${commonName}--migratedaway`;
  if (ctx.update((record) => renameWithConfig(record, domid, commonName, away)) !== "renamed") await failedResume(ctx, transport, domid);
  // point of no return: once "go" may have been heard, resuming here could run the domain twice
  ctx.io.stderr(`${SENDER}: Giving target permission to start.\n`);
  if (!(await writeAll(stdin, PERMISSION_TO_GO))) await fail(ctx, transport, FAILED_BADLY);
  if ((await readFixed(reader, RECEIVER_REPORT)) !== "ok") await fail(ctx, transport, FAILED_BADLY);
  const status = await reader.readExactly(1);
  if (!status) await fail(ctx, transport, FAILED_BADLY);
  const code = (status as Buffer).readInt8(0);
  if (code !== 0) {
    ctx.io.stderr(`${SENDER}: Target reports startup failure (status code ${code}).\n`);
    if ((await readFixed(reader, PERMISSION_TO_GO)) !== "ok") await fail(ctx, transport, FAILED_BADLY);
    ctx.io.stderr(`${SENDER}: Trying to resume at our end.\n`);
    ctx.update((record) => renameWithConfig(record, domid, away, commonName));
    if (resumeGuest(ctx, domid)) ctx.io.stderr(`${SENDER}: Resumed OK.\n`);
    await fail(ctx, transport, "Migration failed due to problems at target.\n");
  }
  ctx.io.stderr(`${SENDER}: Target reports successful startup.\n`);
  await destroyDomain(ctx, domid);
  ctx.io.stderr("Migration successful.\n");
  await childReport(ctx, transport, true);
  return 0;
}

/** failed_resume: the domain runs on here under its own name (its monitor is gone if it had suspended). */
async function failedResume(ctx: SimContext, transport: Transport, domid: number): Promise<never> {
  transport.child.stdin?.end();
  await childReport(ctx, transport);
  ctx.io.stderr("Migration failed, resuming at sender.\n");
  resumeGuest(ctx, domid);
  throw new ToolExit(1);
}

export const xlMigrate: XlCommand = {
  name: "migrate",
  description: "Migrate a domain to another host",
  usage: "[options] <Domain> <host>",
  options:
    "-h              Print this help.\n" +
    "-C <config>     Send <config> instead of config file from creation.\n" +
    "-s <sshcommand> Use <sshcommand> instead of ssh.  String will be passed\n" +
    "                to sh. If empty, run <host> instead of ssh <host> xl\n" +
    "                migrate-receive [-d -e]\n" +
    "-e              Do not wait in the background (on <host>) for the death\n" +
    "                of the domain.\n" +
    "--debug         Print huge (!) amount of debug during the migration process.\n" +
    "-p              Do not unpause domain after migrating it.\n" +
    "-D              Preserve the domain id",
  modifies: true,
  // --debug and --live have no short letter in xl; here they map to letters -g and -l do not accept
  spec: { short: "FC:s:epD", long: { debug: "g", live: "l" } },
  minArgs: 2,
  async run(ctx, options) {
    const flags = new Set(options.flags);
    const { xenMinor } = ctx.persona;
    const tooNew = [...flags].find((f) => (f === "l" && xenMinor < 6) || (f === "p" && xenMinor < 8) || (f === "D" && xenMinor < 14));
    if (tooNew !== undefined) {
      ctx.io.stderr(`option \`${tooNew === "l" ? "" : tooNew}' not supported.\n`);
      return 2;
    }
    const [domain, host] = options.positional as [string, string];
    const domid = findDomain(ctx, ctx.read(), domain);
    if (flags.has("D") && ["localhost", ctx.host].includes(host)) {
      ctx.io.stderr("Cannot preserve domid when migrating to localhost\n");
      return 1;
    }
    return migrateDomain(ctx, domid, host, {
      ssh: options.values.get("s") ?? "ssh",
      monitor: !flags.has("e") && !flags.has("F"),
      debug: flags.has("g"),
      paused: flags.has("p"),
      config: options.values.get("C"),
    });
  },
};
