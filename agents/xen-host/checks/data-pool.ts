import { describeFailure } from "../../../lib/exec/command.ts";
import { splitList } from "../../../lib/ocf/checks.ts";
import { checkTimeoutMs, type XenHostContext } from "../deps.ts";
import { green, red, type Finding } from "../health.ts";

/** The probe file's name in each path: one per node, so that two hosts never race on one file. */
export const probeFileName = (node: string): string => `.xen-ha-probe.${node.replace(/[^A-Za-z0-9_.-]/g, "_")}`;

/**
 * Each data pool path answers a write, a sync, a read and a remove within
 * data_pool_timeout. The file system is never touched by this process: a
 * hard NFS mount whose server is gone would block a libuv pool thread, and
 * with it the agent's exit (lib/exec/read-user-file.ts explains). Children
 * do it, in their own process group, killed at the limit.
 */
export async function checkDataPool(ctx: XenHostContext, node: string): Promise<readonly Finding[]> {
  const paths = splitList(ctx.params.data_pool_paths ?? "") ?? [];
  return Promise.all(paths.map((path) => probePath(ctx, path, node)));
}

async function probePath(ctx: XenHostContext, path: string, node: string): Promise<Finding> {
  const check = `data pool ${path}`;
  const limitMs = checkTimeoutMs(ctx, ctx.params.data_pool_timeout * 1000);
  const started = ctx.deps.now();
  for (const [file, ...args] of ctx.deps.poolProbe(`${path.replace(/\/+$/, "")}/${probeFileName(node)}`)) {
    const left = limitMs - (ctx.deps.now() - started);
    if (left <= 0) return red(check, `no answer within ${limitMs} ms`);
    const result = await ctx.deps.run(file, args, { timeoutMs: left, env: ctx.deps.env });
    if (result.timedOut) return red(check, `no answer within ${limitMs} ms (${file.split("/").at(-1)} killed)`);
    if (result.exitCode !== 0) return red(check, describeFailure(result));
  }
  return green(check, `answered in ${Math.round(ctx.deps.now() - started)} ms`);
}
