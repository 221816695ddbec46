import t from "tap";
import { agentEntries, defaultInstallDirs, launcherTargets } from "../../../lib/install/plan.ts";
import { bundledEntry } from "../../../lib/install/bundle.ts";
import { OCF_PROVIDER, ocfAgents } from "../../../agents/index.ts";

t.test("default layout: every OCF agent under the provider directory, xen-ha in /usr/sbin", async (t) => {
  const targets = launcherTargets(defaultInstallDirs, { provider: OCF_PROVIDER, ocfAgents });
  t.same(
    targets.map((x) => [x.path, x.entry, x.checkArgs.join(" ")]),
    [
      ...ocfAgents.map((a) => [`/usr/lib/ocf/resource.d/xen-ha/${a.name}`, `bundle/${a.name}.cjs`, "methods"]),
      ["/usr/sbin/xen-ha", "bin/xen-ha.js", "--help"],
    ],
  );
});

t.test("the programs the cluster starts run from bundles; their sources are the entries the build bundles", async (t) => {
  const registry = { provider: "p", ocfAgents: [{ name: "A" }], fenceAgents: [{ name: "fence_x" }], stonithPlugins: [{ name: "x", entry: "bin/x-plugin.js" }] };
  t.same(agentEntries(registry), ["bin/A.js", "bin/fence_x.js", "bin/x-plugin.js"]);
  t.same(
    launcherTargets(defaultInstallDirs, registry).filter((x) => !x.path.endsWith("/xen-ha")).map((x) => x.entry),
    agentEntries(registry).map(bundledEntry),
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
      ["/s/fence_x", "bundle/fence_x.cjs"],
      ["/p/x", "bundle/x-plugin.cjs"],
      ["/s/xen-ha", "bin/xen-ha.js"],
    ],
  );
});
