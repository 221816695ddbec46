import { featuresOf } from "../../lib/toolstack/dialects.ts";
import { createHash } from "node:crypto";
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { genericError } from "../../lib/ocf/exit-code.ts";
import { stderrSummary } from "../../lib/toolstack/invoke.ts";
import { readSaveImageHeader } from "../../lib/toolstack/save-image.ts";
import type { XenContext } from "./deps.ts";
import { CONFIG_MAX_BYTES } from "./domain-config.ts";
import { thisDom0 } from "./migrate/here.ts";
import { observe } from "./observe.ts";

/**
 * save_dir: stop saves the running domain's memory (xl save) and start
 * restores it (xl restore), as VirtualDomain's snapshot option does. Next
 * to `NAME.save` goes `NAME.save.json`: the name and UUID the image holds,
 * a digest of the config file then, when and where it was saved. Start
 * restores an image only when all of it still matches (the image's own
 * header included) and the image is newer than the config file; any other
 * image is renamed aside, never restored, and the domain starts afresh.
 */
interface SavedFacts {
  readonly name: string;
  readonly uuid: string;
  readonly configDigest: string;
  readonly savedAt: string;
  readonly savedOn: string;
}

/** What stop leaves for a failed save to shut down the usual way. */
const STOP_RESERVE_MS = 10_000;
const MIN_SAVE_MS = 5_000;
const RESTORE_CAP_MS = 120_000;

const imagePath = (dir: string, name: string): string => join(dir, `${name}.save`);
const factsPath = (image: string): string => `${image}.json`;
/** Reading the config for its digest may take this long; a save or restore goes on without it (never restoring). */
const CONFIG_READ_CAP_MS = 2_000;

/**
 * The config as it is now, read like every file a user names (bounded, in
 * children: lib/exec/read-user-file.ts): its digest ("" when it cannot be
 * read now, which matches no recorded digest) and its modification time.
 */
async function configNow(ctx: XenContext): Promise<{ readonly digest: string; readonly mtimeMs: number }> {
  const read = await ctx.deps.readUserFile(ctx.params.xmfile, { maxBytes: CONFIG_MAX_BYTES, timeoutMs: ctx.deadline.callTimeoutMs(CONFIG_READ_CAP_MS) });
  if (!read.ok) return { digest: "", mtimeMs: Number.POSITIVE_INFINITY };
  return { digest: createHash("sha256").update(read.text).digest("hex"), mtimeMs: read.mtimeMs };
}

/**
 * Saves the running domain into save_dir; true when it is saved (and, as
 * xl save does, destroyed). False, with a warning, when saving was not
 * possible: stop then shuts the domain down as usual.
 */
export async function saveOnStop(ctx: XenContext, name: string): Promise<boolean> {
  const dir = ctx.params.save_dir;
  if (dir === undefined || !featuresOf(ctx.deps.toolstack().name).saveImages) return false;
  const budgetMs = ctx.deadline.remainingMs() - Math.max(STOP_RESERVE_MS, Math.round((ctx.ocf.timeoutMs ?? 40_000) / 3));
  if (budgetMs < MIN_SAVE_MS) {
    ctx.log.warn(`no time to save ${name} within the stop timeout (${budgetMs} ms left for it); shutting it down instead`);
    return false;
  }
  const image = imagePath(dir, name);
  const partial = `${image}.partial`;
  ctx.log.info(`saving ${name} to ${image} within ${budgetMs} ms`);
  const result = await thisDom0(ctx).migration.save(name, partial, budgetMs);
  if (result.exitCode !== 0) {
    rmSync(partial, { force: true });
    ctx.log.warn(`saving ${name} failed (${result.timedOut ? `no answer within ${budgetMs} ms` : stderrSummary(result.stderr) || `exit ${result.exitCode}`}); shutting it down instead`);
    return false;
  }
  const header = readSaveImageHeader(partial);
  const facts: SavedFacts = {
    name,
    uuid: header.ok ? header.uuid : "",
    configDigest: (await configNow(ctx)).digest,
    savedAt: new Date(ctx.deps.now()).toISOString(),
    savedOn: ctx.ocf.onNode ?? hostname(),
  };
  writeFileSync(factsPath(image), `${JSON.stringify(facts)}\n`);
  renameSync(partial, image);
  ctx.log.info(`${name} saved to ${image}`);
  return true;
}

/** The facts are a few hundred bytes. */
const FACTS_MAX_BYTES = 64 * 1024;

/**
 * The facts saved beside the image, read like every file in a user's
 * directory (in children, bounded: a FIFO, a device, a directory or a huge
 * file in its place is refused, a hung export answers "no answer").
 */
async function savedFacts(ctx: XenContext, image: string): Promise<{ readonly ok: true; readonly facts: Partial<SavedFacts> } | { readonly ok: false; readonly problem: string }> {
  const file = factsPath(image);
  const read = await ctx.deps.readUserFile(file, { maxBytes: FACTS_MAX_BYTES, timeoutMs: ctx.deadline.callTimeoutMs(CONFIG_READ_CAP_MS) });
  if (!read.ok) return { ok: false, problem: `${file} ${read.problem}: the image's origin is unknown` };
  try {
    return { ok: true, facts: JSON.parse(read.text) as Partial<SavedFacts> };
  } catch {
    return { ok: false, problem: `${file} is not JSON: the image's origin is unknown` };
  }
}

/** Why this image must not be restored, or undefined when it may. */
async function staleBecause(ctx: XenContext, name: string, image: string): Promise<string | undefined> {
  const saved = await savedFacts(ctx, image);
  if (!saved.ok) return saved.problem;
  const { facts } = saved;
  const header = readSaveImageHeader(image);
  if (!header.ok) return header.problem;
  if (header.name !== name || facts.name !== name) return `it holds domain ${header.name} (recorded: ${facts.name}), not ${name}`;
  if (header.uuid !== facts.uuid) return `its UUID ${header.uuid} differs from the recorded ${facts.uuid}`;
  const config = await configNow(ctx);
  if (config.digest === "" || facts.configDigest !== config.digest) return `${ctx.params.xmfile} changed since it was saved, or cannot be read now`;
  if (statSync(image).mtimeMs < config.mtimeMs) return `it is older than ${ctx.params.xmfile}`;
  return undefined;
}

function setAside(ctx: XenContext, image: string, why: string, tag: string): void {
  const aside = `${image}.${tag}-${new Date(ctx.deps.now()).toISOString().replace(/[-:.]/g, "")}`;
  renameSync(image, aside);
  if (existsSync(factsPath(image))) renameSync(factsPath(image), `${aside}.json`);
  ctx.log.warn(`not restoring ${image}: ${why}; kept as ${aside}, starting the domain afresh`);
}

/** Restores the domain from save_dir when a valid image is there; true when the domain came back from it. */
export async function restoreOnStart(ctx: XenContext, name: string): Promise<boolean> {
  const dir = ctx.params.save_dir;
  if (dir === undefined || !featuresOf(ctx.deps.toolstack().name).saveImages) return false;
  const image = imagePath(dir, name);
  if (!existsSync(image)) return false;
  const stale = await staleBecause(ctx, name, image);
  if (stale !== undefined) {
    setAside(ctx, image, stale, "stale");
    return false;
  }
  ctx.log.info(`restoring ${name} from ${image}`);
  const result = await thisDom0(ctx).migration.restore(image, RESTORE_CAP_MS);
  if (result.exitCode === 0) {
    rmSync(image, { force: true });
    rmSync(factsPath(image), { force: true });
    return true;
  }
  const why = result.timedOut ? `no answer within ${result.durationMs} ms` : stderrSummary(result.stderr) || `exit ${result.exitCode}`;
  if ((await observe(ctx.deps.toolstack(), name)).kind !== "absent") throw genericError(`xl restore of ${name} failed and left it half restored: ${why}`);
  setAside(ctx, image, `xl restore failed: ${why}`, "failed");
  return false;
}
