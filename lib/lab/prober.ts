/**
 * A client of the guest's service, run inside the lab's guest network
 * namespace (where every simulated guest listens on 127.0.0.1:PORT, whichever
 * dom0 runs it): probes the port every 20 ms and prints `EPOCH_MS up|down`
 * at the first probe and at every change. Ends on SIGTERM or when stdin closes.
 *
 *   nsenter --net=<lab>/guests.net -- node prober.js PORT
 */
import { probeService } from "./probe.ts";

const port = Number(process.argv[2]);
let stopped = false;
process.on("SIGTERM", () => (stopped = true));
process.stdin.on("end", () => (stopped = true));
process.stdin.resume();

let last: boolean | undefined;
while (!stopped) {
  const at = Date.now();
  const up = await probeService(port, 250);
  if (up !== last) process.stdout.write(`${at} ${up ? "up" : "down"}\n`);
  last = up;
  await new Promise((resolve) => setTimeout(resolve, 20));
}
process.exit(0);
