import t from "tap";
import { copyFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../../../lib/exec/command.ts";
import { LAUNCHER_MARK } from "../../../lib/install/launcher.ts";
import { findOnPath } from "../../../lib/toolstack/select.ts";
import { installToTemp, type TempInstall } from "../../support/install-once.ts";
import { domainsOn, fenceLab, startDomain } from "./support.ts";
import { listDomains } from "../../../lib/sim/index.ts";

/**
 * fence_xen and external/xen-ha as Pacemaker 2.1.5 and cluster-glue see them.
 * Pacemaker looks for fence agents only in /usr/sbin and cluster-glue for
 * plugins only in /usr/lib/stonith/plugins/external, so the launchers of a
 * temporary `xen-ha install` are placed there for the duration of this file
 * (as root, and only where no file, or one of ours, is in the way), then
 * removed. Without root, these rows are skipped and the fence-agents schema
 * check (test/lib/fence/fence-metadata.test.ts) stands for Pacemaker.
 */
const SBIN_AGENT = "/usr/sbin/fence_xen";
const PLUGIN = "/usr/lib/stonith/plugins/external/xen-ha";

const ours = (path: string) => !existsSync(path) || readFileSync(path, "utf8").includes(LAUNCHER_MARK);
const missingTool = ["stonith_admin", "stonith", "fence_legacy"].find((tool) => !findOnPath(tool, `${process.env["PATH"]}:/usr/sbin`));
const skip =
  process.getuid?.() !== 0
    ? "needs root to place fence_xen in /usr/sbin"
    : missingTool
      ? `${missingTool} is not installed`
      : !ours(SBIN_AGENT) || !ours(PLUGIN)
        ? "a fence_xen or xen-ha plugin that is not ours is installed"
        : false;

const run = (file: string, args: readonly string[], options: { input?: string; env?: Record<string, string> } = {}) =>
  runCommand(file, args, { timeoutMs: 120_000, ...options });

t.test("Pacemaker and cluster-glue accept fence_xen and external/xen-ha", { skip }, async (t) => {
  let install: TempInstall | undefined;
  t.teardown(() => {
    for (const path of [SBIN_AGENT, PLUGIN]) if (existsSync(path) && ours(path)) rmSync(path);
    install?.remove();
  });
  install = await installToTemp("fence-pcmk-");
  copyFileSync(join(install.dirs.sbinDir, "fence_xen"), SBIN_AGENT);
  copyFileSync(join(install.dirs.stonithDir, "xen-ha"), PLUGIN);

  t.test("stonith_admin lists both and renders their meta-data", async (t) => {
    const installed = await run("stonith_admin", ["--list-installed"]);
    t.match(installed.stdout, /^\s*fence_xen$/m);
    t.match(installed.stdout, /^\s*external\/xen-ha$/m);
    const agent = await run("stonith_admin", ["--metadata", "--agent", "fence_xen"]);
    t.equal(agent.exitCode, 0, agent.stderr);
    t.match(agent.stdout, /<resource-agent name="fence_xen"/);
    t.match(agent.stdout, /<parameter name="plug" unique="0" required="0" obsoletes="port">/);
    const plugin = await run("stonith_admin", ["--metadata", "--agent", "external/xen-ha"]);
    t.equal(plugin.exitCode, 0, plugin.stderr);
    t.match(plugin.stdout, /<resource-agent name="external\/xen-ha">/);
    t.match(plugin.stdout, /<parameter name="hostlist" required="1" unique="1">/);
  });

  t.test("the stonith command drives the plugin against the simulator", async (t) => {
    const lab = fenceLab(t, ["dom0a", "dom0b"]);
    await startDomain(lab, "dom0b", "guest1");
    await startDomain(lab, "dom0a", "vm-guest2");
    const before = listDomains(lab.root, "dom0b").find((d) => d.name === "guest1")?.domid;
    const config = [
      "hostlist=guest1 guest2:vm-guest2",
      "dom0_list=dom0a dom0b",
      "ssh_host_key_policy=ignore",
      `config_dir=${lab.shared}`,
      "power_timeout=10",
    ];
    const env = { ...lab.client.env };
    const stonith = (...args: string[]) => run("stonith", ["-t", "external/xen-ha", ...config, ...args], { env });

    const hosts = await stonith("-l");
    t.equal(hosts.exitCode, 0, hosts.stderr);
    t.same(hosts.stdout.trim().split(/\s+/).sort(), ["guest1", "guest2"]);
    t.equal((await stonith("-S")).exitCode, 0, "status: every dom0 answers");

    const reset = await stonith("-T", "reset", "guest1");
    t.equal(reset.exitCode, 0, `stonith -T reset guest1: ${reset.stderr}`);
    const after = listDomains(lab.root, "dom0a").concat(listDomains(lab.root, "dom0b")).filter((d) => d.name === "guest1");
    t.equal(after.length, 1, "guest1 runs exactly once after the reset");
    t.not(after[0]?.domid, before, "as a new domain");

    const off = await stonith("-T", "off", "guest2");
    t.equal(off.exitCode, 0, off.stderr);
    t.same(domainsOn(lab, "dom0a").filter((n) => n === "vm-guest2"), [], "guest2's domain vm-guest2 is gone");
    t.not((await stonith("-T", "off", "guest9")).exitCode, 0, "a node outside the hostlist is refused");
  });

  t.test("fence_legacy (Pacemaker's path to cluster-glue plugins) reboots through the plugin", async (t) => {
    const lab = fenceLab(t, ["dom0a"]);
    await startDomain(lab, "dom0a", "guest1");
    const stdin = [
      "plugin=external/xen-ha",
      "action=reboot",
      "nodename=guest1",
      "hostlist=guest1",
      "dom0_list=dom0a",
      "ssh_host_key_policy=ignore",
      `config_dir=${lab.shared}`,
    ].join("\n");
    const reboot = await run("fence_legacy", [], { input: `${stdin}\n`, env: { ...lab.client.env } });
    t.equal(reboot.exitCode, 0, `${reboot.stdout}${reboot.stderr}`);
    t.match(reboot.stdout, /success/);
    t.same(domainsOn(lab, "dom0a"), ["guest1"]);
    const monitor = await run("fence_legacy", [], {
      input: "plugin=external/xen-ha\naction=monitor\nhostlist=guest1\ndom0_list=dom0a\nssh_host_key_policy=ignore\n",
      env: { ...lab.client.env },
    });
    t.equal(monitor.exitCode, 0, monitor.stderr);
  });
});
