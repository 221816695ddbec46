import t from "tap";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runCommand } from "../../../lib/exec/command.ts";
import { xenHaCommands } from "../../../bin/xen-ha-commands.ts";
import { runCli } from "../../../lib/cli/program.ts";
import { listDomains, writeSampleConfig } from "../../../lib/sim/index.ts";
import { readHost } from "../../../lib/sim/host/store.ts";
import { simRoot, xl } from "./support.ts";

/** `xen-ha sim`: the simulator as a command-line tool. */

async function cli(argv: string[], env: Record<string, string | undefined> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env, cwd: "/" }, xenHaCommands);
  return { code, stdout, stderr };
}

const XEN_HA = fileURLToPath(new URL("../../../bin/xen-ha.ts", import.meta.url));

t.test("eval \"$(xen-ha sim env --host H)\" makes xl the simulator's", async (t) => {
  const root = simRoot(t);
  const script = `eval "$("${process.execPath}" "${XEN_HA}" sim env --root "${root}" --host node7 --time-factor 0.01)" && xl info host && echo "$XEN_SIM_HOST"`;
  const result = await runCommand("bash", ["-c", script], { timeoutMs: 30_000, env: { NODE_OPTIONS: undefined } });
  t.same([result.exitCode, result.stdout], [0, "node7\nnode7\n"], result.stderr);
  const env = await cli(["sim", "env", "--root", root, "--host", "node7"]);
  t.equal(env.stdout, `export XEN_SIM_ROOT='${root}'\nexport XEN_SIM_HOST='node7'\nexport PATH='${root}/hosts/node7/bin':"$PATH"\nexport XEN_HA_SYSROOT='${root}/hosts/node7/sysroot'\n`);
  t.equal(readHost(root, "node7").timeFactor, 0.01, "reused, not reset");
});

t.test("sim config, knob, guest, status, calls", async (t) => {
  const root = simRoot(t);
  await cli(["sim", "env", "--root", root, "--host", "n1", "--time-factor", "0.01", "--persona", "xl-4.4"]);
  const config = await cli(["sim", "config", "web", "--root", root, "--memory", "256", "--type", "hvm"]);
  t.equal(config.stdout, `${root}/shared/web.cfg\n`);
  t.match(readFileSync(`${root}/shared/web.cfg`, "utf8"), /name = "web"\ntype = "hvm"\nmemory = 256\n/);
  t.equal((await cli(["sim", "config", "bad name", "--root", root])).code, 2);

  t.equal((await cli(["sim", "knob", "--root", root, "--host", "n1", "hang=list,create", "fail.destroy=2", "zombieMs=never", "timing.createPvMs=10"])).code, 0);
  const knobs = readHost(root, "n1").knobs;
  t.same([knobs.hang, knobs.fail, knobs.zombieMs, knobs.timing], [["list", "create"], { destroy: 2 }, "never", { createPvMs: 10 }]);
  const bad = await cli(["sim", "knob", "--root", root, "--host", "n1", "bogus=1"]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /unknown knob bogus/);
  t.equal((await cli(["sim", "knob", "--root", root, "--host", "n1", "hypervisor=maybe"])).code, 2);
  t.equal((await cli(["sim", "knob", "--root", root, "--host", "nosuch", "hang="])).code, 3, "an unknown host is bad input");
  await cli(["sim", "knob", "--root", root, "--host", "n1", "hang=", "fail.destroy=0"]);

  t.equal((await cli(["sim", "guest", "--root", root, "--host", "n1", "web", "ignoreShutdown=on", "crashAfterMs=never"])).code, 0);
  t.same(readHost(root, "n1").guests["web"], { ignoreShutdown: true, crashAfterMs: null });
  t.equal((await cli(["sim", "guest", "--root", root, "--host", "n1", "db", "--hang-boot", "--no-pv-drivers", "--no-shutdown-watch"])).code, 0);
  t.same(readHost(root, "n1").guests["db"], { hangBoot: true, noShutdownWatch: true, pvDrivers: false }, "flag spellings of common behaviours");
  t.equal((await cli(["sim", "guest", "--root", root, "--host", "n1", "web", "--crash"])).code, 1, "no such domain yet");

  const host = { root, host: "n1", binDir: `${root}/hosts/n1/bin`, sharedDir: `${root}/shared`, persona: "xl-4.4" as const, env: { XEN_SIM_ROOT: root, XEN_SIM_HOST: "n1", PATH: process.env["PATH"] ?? "" } };
  t.equal((await xl(host, "create", "-q", writeSampleConfig({ root, name: "vm1" }))).code, 0);
  t.equal((await cli(["sim", "guest", "--root", root, "--host", "n1", "vm1", "--crash"])).code, 0);
  const status = await cli(["sim", "status", "--root", root]);
  t.match(status.stdout, /^n1: up, persona xl-4\.4, time factor 0\.01, free \d+ of 16384 MiB, knobs zombieMs="never" timing=\{"createPvMs":10\}\nName {40}ID/);
  t.ok(listDomains(root, "n1").length > 0);
  const calls = await cli(["sim", "calls", "--root", root, "--host", "n1"]);
  t.match(calls.stdout, /^ {2}0 +\d+ ms {2}xl create -q /);
});
