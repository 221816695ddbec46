import { splitList } from "../../../lib/ocf/checks.ts";
import { checkTimeoutMs, type XenHostContext } from "../deps.ts";
import { green, red, yellow, type Finding } from "../health.ts";

type Reach = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly why: string };

/**
 * A TCP connection to address:port, given up after `timeoutMs`. The address
 * is an IP literal (params.ts), so no name lookup runs; a connect is plain
 * non-blocking socket I/O on the event loop, which a timer ends.
 */
async function reach(address: string, port: number, timeoutMs: number, now: () => number): Promise<Reach> {
  const { connect } = process.getBuiltinModule("node:net");
  const started = now();
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (result: Reach) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, why: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once("connect", () => done({ ok: true, ms: Math.round(now() - started) }));
    socket.once("error", (error: NodeJS.ErrnoException) => done({ ok: false, why: error.code ?? error.message }));
  });
}

/**
 * The migration network: each peer dom0 accepts a connection on
 * migration_port (ssh for xl). None answering means this host's migration
 * link is cut: red. Some answering means those peers have a problem of
 * their own, which their XenHost reports: yellow here.
 */
export async function checkPeers(ctx: XenHostContext): Promise<readonly Finding[]> {
  const peers = splitList(ctx.params.migration_peers ?? "") ?? [];
  if (peers.length === 0) return [];
  const timeoutMs = checkTimeoutMs(ctx, ctx.params.peer_timeout * 1000);
  const port = ctx.params.migration_port;
  const results = await Promise.all(peers.map(async (peer) => ({ peer, reach: await reach(peer, port, timeoutMs, ctx.deps.now) })));
  const { isIPv6 } = process.getBuiltinModule("node:net");
  const failed = results.flatMap(({ peer, reach }) => (reach.ok ? [] : [`${isIPv6(peer) ? `[${peer}]` : peer}:${port} ${reach.why}`]));
  if (failed.length === 0) return [green("migration network", `${peers.length} peer(s) answer on port ${port}`)];
  const what = `no connection to ${failed.join(", ")}`;
  return [failed.length === peers.length ? red("migration network", what) : yellow("migration network", what)];
}
