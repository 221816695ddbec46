import { connect } from "node:net";

/** One connection to a simulated guest's service on 127.0.0.1:port: true when the guest's "NAME up" line came. */
export function probeService(port: number, timeoutMs = 250): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, timeoutMs);
    socket.on("data", (chunk) => (data += chunk.toString()));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(data.endsWith(" up\n"));
    });
    socket.on("error", () => {});
  });
}
