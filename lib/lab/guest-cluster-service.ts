/**
 * The guest cluster's service in the lab (scenario 3, lib/lab/guest-cluster.ts):
 * an HTTP-like daemon a guest runs under the lab agent guest-service-agent.ts, as the study's
 * guests ran Apache. It listens on PORT on every address of the guest, so it
 * dies with the guest's network namespace; each connection gets `HOSTNAME up`,
 * the guest that answered.
 *
 *   node guest-cluster-service.js PORT
 */
import { createServer } from "node:net";
import { hostname } from "node:os";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
  process.stderr.write(`guest-cluster-service: '${process.argv[2] ?? ""}' is not a port\n`);
  process.exit(2);
}
createServer((socket) => {
  socket.on("error", () => {});
  socket.end(`${hostname()} up\n`);
}).listen(port, "0.0.0.0");
