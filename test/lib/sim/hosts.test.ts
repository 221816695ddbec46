import t from "tap";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { guestServicePort, killHost, listDomains, setHostKnobs, startHost, writeSampleConfig } from "../../../lib/sim/index.ts";
import { isAlive } from "../../../lib/sim/host/processes.ts";
import { hostPaths } from "../../../lib/sim/host/paths.ts";
import { eventually, run, simHost, untilState, xl } from "./support.ts";

/** What a probe of the guest's service sees: its line, or nothing within `ms`. */
function probe(port: number, ms = 300): Promise<string | "no answer" | "refused"> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(data || "no answer");
    }, ms);
    socket.on("data", (chunk) => (data += chunk.toString()));
    socket.on("end", () => {
      clearTimeout(timer);
      resolve(data || "no answer");
    });
    socket.on("error", () => {
      clearTimeout(timer);
      resolve(data || "refused");
    });
  });
}

/** Probes until the service answers (a guest process may need a moment to see its new state). */
async function answers(port: number): Promise<boolean> {
  for (let i = 0; i < 20; i++) if ((await probe(port)) === "vm1 up\n") return true;
  return false;
}

t.test("the guest's service answers while it runs, not while paused, not before boot", async (t) => {
  const host = simHost(t);
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });
  t.equal((await xl(host, "create", "-p", "-q", cfg)).code, 0);
  const port = guestServicePort(host.root, host.host, "vm1");
  t.type(port, "number");
  t.equal(await probe(port!), "no answer", "created paused: not booted");
  await xl(host, "unpause", "vm1");
  t.ok(await untilState(host, "vm1", "-b----"));
  t.ok(await answers(port!), "running: answers");
  await xl(host, "pause", "vm1");
  t.equal(await probe(port!), "no answer", "paused: no answer");
  await xl(host, "unpause", "vm1");
  t.ok(await answers(port!), "unpaused: answers again");
  await xl(host, "destroy", "vm1");
  t.not(await probe(port!), "vm1 up\n", "destroyed: gone");
});

t.test("a host kill kills every guest and monitor at once; the host is down until started", async (t) => {
  const host = simHost(t);
  for (const name of ["vm1", "vm2"]) await xl(host, "create", "-q", writeSampleConfig({ root: host.root, name }));
  t.ok(await untilState(host, "vm2", "-b----"));
  const pids = listDomains(host.root, host.host).flatMap((d) => [d.guestPid!, d.monitorPid!]);
  t.equal(pids.length, 4);
  t.ok(pids.every(isAlive));
  killHost(host.root, host.host);
  t.ok(await eventually(() => !pids.some(isAlive)), "all four processes are dead");
  const down = await run(host, "xl", ["list"]);
  t.same([down.exitCode, down.stderr], [1, `xen-ha sim: host ${host.host} is down\n`]);
  await startHost(host.root, host.host);
  const up = await xl(host, "list");
  t.equal(up.code, 0);
  t.equal(up.stdout.split("\n").length, 3, "a fresh hypervisor: Domain-0 only");
  await xl(host, "create", "-q", writeSampleConfig({ root: host.root, name: "vm3" }));
  t.equal(listDomains(host.root, host.host)[0]?.domid, 1, "domids start from 1 after a reboot");
});

t.test("xendomains autostart (knob): configs in etc-xen/auto are created when the host starts", async (t) => {
  const host = simHost(t);
  const auto = join(hostPaths(host.root, host.host).etcXenDir, "auto");
  mkdirSync(auto, { recursive: true });
  symlinkSync(writeSampleConfig({ root: host.root, name: "vm1" }), join(auto, "vm1.cfg"));
  killHost(host.root, host.host);
  await startHost(host.root, host.host);
  t.same(listDomains(host.root, host.host), [], "off by default");
  setHostKnobs(host.root, host.host, { xendomains: true });
  killHost(host.root, host.host);
  const results = await startHost(host.root, host.host);
  t.same(results.map((r) => r.exitCode), [0]);
  t.same(listDomains(host.root, host.host).map((d) => d.name), ["vm1"], "started at boot: the double-start hazard");
});

t.test("guests and monitors exit by themselves when their root disappears", async (t) => {
  const host = simHost(t);
  await xl(host, "create", "-q", writeSampleConfig({ root: host.root, name: "vm1" }));
  t.ok(await untilState(host, "vm1", "-b----"));
  const [domain] = listDomains(host.root, host.host);
  const { rmSync } = await import("node:fs");
  rmSync(host.root, { recursive: true, force: true });
  t.notOk(existsSync(host.root));
  t.ok(await eventually(() => !isAlive(domain!.guestPid!) && !isAlive(domain!.monitorPid!), 3_000), "no orphans");
});
