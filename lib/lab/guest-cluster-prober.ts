/**
 * A client of the guest cluster's service (lib/lab/guest-cluster.ts), run in
 * the lab's switch namespace, where the guests' addresses are on the LAN:
 * it asks each ADDRESS on its own, every 20 ms, and prints
 * `EPOCH_MS ADDRESS NAME` when that address begins to answer `NAME up`, and
 * `EPOCH_MS ADDRESS -` when it stops (a refusal, or no answer within 250 ms),
 * stamped with the start of the ask that saw the change. Each address has its
 * own loop, so a dead guest's 250 ms of silence never delays the asks of a
 * live one: every address is seen to about one 20 ms poll. Ends on SIGTERM
 * or when stdin closes.
 *
 *   nsenter --net=/run/netns/<switch> -- node guest-cluster-prober.js PORT ADDRESS...
 */
import { connect } from "node:net";

const port = Number(process.argv[2]);
const addresses = process.argv.slice(3);
const POLL_MS = 20;

/** The name in the service's `NAME up` answer, or undefined when nothing (or something else) answered in time. */
function ask(address: string, timeoutMs = 250): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, address);
    let data = "";
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on("data", (chunk) => (data += chunk.toString()));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(/^(\S+) up\n$/.exec(data)?.[1]);
    });
    socket.on("error", () => {});
  });
}

let stopped = false;
process.on("SIGTERM", () => (stopped = true));
process.stdin.on("end", () => (stopped = true));
process.stdin.resume();

async function watch(address: string): Promise<void> {
  let last: string | null = null; // nothing printed yet: the first answer is always printed
  while (!stopped) {
    const at = Date.now();
    const now = (await ask(address)) ?? "-";
    if (now !== last) process.stdout.write(`${at} ${address} ${now}\n`);
    last = now;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

await Promise.all(addresses.map(watch));
process.exit(0);
