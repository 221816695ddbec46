import t from "tap";
import { listDomains, writeSampleConfig } from "../../../lib/sim/index.ts";
import { eventually, run, simHost } from "./support.ts";

t.test("a domain's life through the launchers: create, list, shutdown, create, destroy", async (t) => {
  const host = simHost(t);
  const cfg = writeSampleConfig({ root: host.root, name: "vm1" });

  const created = await run(host, "xl", ["create", cfg]);
  t.equal(created.exitCode, 0);
  t.equal(created.stdout, "");
  t.equal(created.stderr, `Parsing config from ${cfg}\n`);
  t.ok(await eventually(() => listDomains(host.root, host.host)[0]?.state === "-b----"), "the guest boots");

  const listed = await run(host, "xl", ["list", "vm1"]);
  t.equal(listed.exitCode, 0);
  t.match(listed.stdout, /^vm1 {42}1 {3}512 {5}1 {5}-b---- {2} +\d+\.\d$/m);

  const shutdown = await run(host, "xl", ["shutdown", "-w", "vm1"]);
  t.equal(shutdown.exitCode, 0);
  t.equal(shutdown.stderr, "Shutting down domain 1\nWaiting for 1 domains\nDomain 1 has been shut down, reason code 0\n");
  t.ok(await eventually(() => listDomains(host.root, host.host).length === 0), "the monitor destroys it");

  t.equal((await run(host, "xl", ["create", "-q", cfg])).exitCode, 0);
  const destroyed = await run(host, "xl", ["destroy", "vm1"]);
  t.equal(destroyed.exitCode, 0);
  t.equal(destroyed.stderr, "");
  t.same(listDomains(host.root, host.host), []);
  const gone = await run(host, "xl", ["list", "vm1"]);
  t.equal(gone.exitCode, 1);
  t.equal(gone.stderr, "vm1 is an invalid domain identifier (rc=-6)\n");
});
