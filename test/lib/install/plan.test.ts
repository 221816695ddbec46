import t from "tap";
import { defaultInstallDirs, launcherTargets } from "../../../lib/install/plan.ts";
import { OCF_PROVIDER, ocfAgents } from "../../../agents/index.ts";

t.test("default layout: every OCF agent under the provider directory, xen-ha in /usr/sbin", async (t) => {
  const targets = launcherTargets(defaultInstallDirs, { provider: OCF_PROVIDER, ocfAgents });
  t.same(
    targets.map((x) => [x.path, x.entry, x.checkArgs.join(" ")]),
    [
      ...ocfAgents.map((a) => [`/usr/lib/ocf/resource.d/xen-ha/${a.name}`, `bin/${a.name}.js`, "meta-data"]),
      ["/usr/sbin/xen-ha", "bin/xen-ha.js", "--help"],
    ],
  );
});

t.test("fence agents go to sbin, stonith plugins to the plugin directory: one row each", async (t) => {
  const targets = launcherTargets(
    { ...defaultInstallDirs, sbinDir: "/s", stonithDir: "/p" },
    {
      provider: "p",
      ocfAgents: [],
      fenceAgents: [{ name: "fence_x" }],
      stonithPlugins: [{ name: "x", entry: "bin/x-plugin.js" }],
    },
  );
  t.same(
    targets.map((x) => [x.path, x.entry]),
    [
      ["/s/fence_x", "bin/fence_x.js"],
      ["/p/x", "bin/x-plugin.js"],
      ["/s/xen-ha", "bin/xen-ha.js"],
    ],
  );
});
