import t from "tap";
import { realFenceXenDeps } from "../../../agents/fence-xen/device.ts";
import { xenHaPlugin } from "../../../agents/fence-xen/plugin.ts";
import { runStonithPlugin } from "../../../lib/stonith-plugin/run-plugin.ts";
import { captureIo } from "../../support/capture-io.ts";
import { domainsOn, fenceLab, startDomain } from "./support.ts";

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
