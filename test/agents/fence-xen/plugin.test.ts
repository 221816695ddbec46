import t from "tap";
import { killHost } from "../../../lib/sim/index.ts";
import { fixture } from "../../support/fixtures.ts";
import { realFenceXenDeps } from "../../../agents/fence-xen/device.ts";
import { xenHaPlugin } from "../../../agents/fence-xen/plugin.ts";
import { runStonithPlugin } from "../../../lib/stonith-plugin/run-plugin.ts";
import { captureIo } from "../../support/capture-io.ts";
import { domainsOn, fenceLab, labOptions, scriptHistory, startDomain } from "./support.ts";

/**
 * external/xen-ha against a simulated host running vm1, with one hostlist
 * entry mistyped (n2's domain does not exist): status names the typo at once,
 * off of that node fails instead of reporting it off, off of n1 destroys vm1,
 * and a second off fails too, unless missing_as_off is set.
 */
t.test("external/xen-ha: configured plugs are checked by status; a missing one never reads as off", async (t) => {
  const lab = fenceLab(t, []);
  await startDomain(lab, lab.client.host, "vm1");
  const config = { hostlist: "n1:vm1 n2:vm-typo", dom0_list: "local", power_timeout: "3", config_dir: lab.shared };
  const plugin = (argv: string[], extra: Record<string, string> = {}) => {
    const { io, out } = captureIo(argv, { ...lab.client.env, ...config, ...extra });
    return runStonithPlugin(xenHaPlugin(realFenceXenDeps("external/xen-ha@guest0")), io).then((code) => ({ code, stderr: out.stderr }));
  };

  const status = await plugin(["status"]);
  t.equal(status.code, 0, "the device answers");
  t.match(status.stderr, /WARN: n2: the device does not list vm-typo/);
  t.notMatch(status.stderr, /n1: the device does not list/);

  const typo = await plugin(["off", "n2"]);
  t.equal(typo.code, 1, "off of the mistyped node fails");
  t.match(typo.stderr, /off n2: vm-typo is not known to the device \(the dom0s list "vm1"\)/);
  t.same(domainsOn(lab, lab.client.host), ["vm1"]);

  t.equal((await plugin(["off", "n1"])).code, 0, "off of n1");
  t.same(domainsOn(lab, lab.client.host), [], "vm1 destroyed");
  t.equal((await plugin(["off", "n1"])).code, 1, "a second off: vm1 is no longer known");
  t.equal((await plugin(["off", "n1"], { missing_as_off: "1" })).code, 0, "with missing_as_off it is already off");
});

/**
 * The plugin is the same device as fence_xen, parameters and waits included:
 * delay_if_running makes an off of a running guest wait before it destroys
 * it, and an off whose dom0 does not answer waits (up to power_timeout) for
 * the dom0 cluster's fence of that dom0, read on the dom0 that answers.
 */
t.test("external/xen-ha: delay_if_running and the wait for a silent dom0's fence, as fence_xen", async (t) => {
  const lab = fenceLab(t, ["dom0a", "dom0b"]);
  const plugin = (argv: string[], config: Record<string, string>) => {
    const { io, out } = captureIo(argv, { ...lab.client.env, ...labOptions(lab), ...config });
    return runStonithPlugin(xenHaPlugin(realFenceXenDeps("external/xen-ha@guest0")), io).then((code) => ({ code, stdout: out.stdout, stderr: out.stderr }));
  };
  t.match((await plugin(["getinfo-xml"], {})).stdout, /<parameter name="delay_if_running"/, "declared in the plugin's parameters");

  await startDomain(lab, "dom0a", "vm1");
  const waited = await plugin(["off", "n1"], { hostlist: "n1:vm1", delay_if_running: "vm1:1" });
  t.equal(waited.code, 0, waited.stderr);
  t.match(waited.stderr, /vm1 runs \(dom0a:vm1 [^)]*\): waiting 1 s \(delay_if_running\) before destroying it/);
  t.same(domainsOn(lab, "dom0a"), [], "then destroyed");
  const hostile = await plugin(["off", "n1"], { hostlist: "n1:vm1", delay_if_running: "vm1:-1" });
  t.equal(hostile.code, 1, "a hostile delay_if_running is refused");
  t.match(hostile.stderr, /delay_if_running/);

  // vm2 ran on dom0a, which lost power; dom0b's cluster fences dom0a on the third history read
  await startDomain(lab, "dom0a", "vm2");
  killHost(lab.root, "dom0a");
  const fenced = fixture("stonith-admin/history-fenced.xml")
    .replace(/# exit \d+\n$/, "")
    .replace('target="node1"', 'target="dom0a"')
    .replace(/completed="[^"]*"/, `completed="${new Date(Date.now() + 60_000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z")}"`);
  const none = fixture("stonith-admin/history-none.xml").replace(/# exit \d+\n$/, "");
  const history = scriptHistory(lab, none, 0, fenced, 3);
  const settled = await plugin(["off", "n2"], { hostlist: "n2:vm2", missing_as_off: "1", power_timeout: "10" });
  t.equal(settled.code, 0, settled.stderr);
  t.match(settled.stderr, /dom0a does not answer, but the dom0 cluster fenced it after this fence began/);
  t.ok(history.calls().length >= 3, "it waited, reading the history until the fence showed");
  const status = await plugin(["status"], { hostlist: "n2:vm2", power_timeout: "10" });
  t.equal(status.code, 1, "status does not wait: the silent dom0 fails it");
});
