import t from "tap";
import { readFileSync, statSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../../lib/exec/command.ts";
import { ocfLoaderPath, prefixLayout } from "../../lib/install/launcher.ts";
import { withOcfRoot, privateOcfRootProblem } from "../../lib/install/private-ocf-root.ts";
import { fenceAgents, ocfAgents, stonithPlugins } from "../../agents/index.ts";
import { installToTemp, openTempDir, REPO_ROOT } from "../support/install-once.ts";
import { outsideTap } from "../support/outside-tap.ts";

const installed = await installToTemp();
t.teardown(installed.remove);
const { dirs } = installed;
const layout = prefixLayout(dirs.prefix);
/** Only what a daemon's environment would hold: no repository, no npx, the machine's PATH. */
const bareEnv = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" };
/** Runs an installed program as a daemon would: no tap hooks, the machine's PATH, outside the repository. */
const runBare = (file: string, args: readonly string[], timeoutMs = 20_000) => {
  const call = outsideTap(file, args);
  return runCommand(call.file, call.args, { timeoutMs, env: bareEnv, cwd: "/" });
};
const namespaceProblem = await privateOcfRootProblem(runCommand);

t.test("the installed tree: private Node, dist, package.json, world-readable", async (t) => {
  t.equal(statSync(layout.node).mode & 0o777, 0o755, "node is executable by all");
  t.equal(JSON.parse(readFileSync(join(dirs.prefix, "package.json"), "utf8")).type, "module");
  t.notOk(existsSync(join(dirs.prefix, "node_modules", "tap")), "no dev dependency");
  t.notOk(existsSync(join(dirs.prefix, "node_modules", "typescript")), "no dev dependency");
  t.ok(existsSync(join(dirs.prefix, "node_modules", "commander", "package.json")), "the xen-ha command's runtime dependency");
  t.ok(existsSync(join(dirs.prefix, "node_modules", "execa", "package.json")), "the runner's");
  const version = await runCommand(layout.node, ["--version"], { timeoutMs: 10_000 });
  t.match(version.stdout, /^v2[4-9]\./, "the copied runtime is Node 24 or later");
});

for (const agent of ocfAgents) {
  t.test(`${agent.name} runs by path, from a directory outside the repository`, async (t) => {
    const path = installed.agentPath(agent.name);
    t.equal(statSync(path).mode & 0o777, 0o755);
    t.match(readFileSync(path, "utf8"), /^#!\/bin\/sh\n/, "a shell launcher: meta-data without Node");
    const run = await runBare(path, ["meta-data"]);
    t.equal(run.exitCode, 0, "exits 0", { stderr: run.stderr });
    t.match(run.stdout, `<resource-agent name="${agent.name}"`);
    const methods = await runBare(path, ["methods"]);
    t.match(methods.stdout, /^start$/m);
  });

  t.test(`${agent.name}: the launcher's meta-data is the agent's own, byte for byte, for every caller`, async (t) => {
    // the agent run through Node (the launcher's own fallback) is the oracle for the rendered files
    const node = (args: string[], env: Record<string, string>) =>
      runCommand("env", ["-i", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), layout.node, ocfLoaderPath(dirs.prefix, agent.name), ...args], { timeoutMs: 20_000, cwd: "/" });
    const launched = (args: string[], env: Record<string, string>) =>
      runCommand("env", ["-i", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), installed.agentPath(agent.name), ...args], { timeoutMs: 20_000, cwd: "/" });
    const versions: Record<string, string>[] = [{}, { OCF_RA_VERSION_MINOR: "" }, { OCF_RA_VERSION_MINOR: "0" }, { OCF_RA_VERSION_MINOR: "1" }, { OCF_RA_VERSION_MINOR: "2" }, { OCF_RA_VERSION_MINOR: " 1" }];
    const forms = new Set<string>();
    for (const env of versions) {
      for (const args of [["meta-data"], ["meta-data", "extra"]]) {
        const [want, got] = await Promise.all([node(args, env), launched(args, env)]);
        const what = `${args.join(" ")} ${JSON.stringify(env)}`;
        t.equal(want.exitCode, 0, `${what}: the agent answers`);
        t.equal(got.exitCode, want.exitCode, `${what}: exit code`);
        t.equal(got.stdout, want.stdout, `${what}: stdout`);
        t.equal(got.stderr, want.stderr, `${what}: stderr`);
        forms.add(got.stdout);
      }
    }
    t.equal(forms.size, 2, "the OCF 1.0 and 1.1 forms both came up");
  });

  t.test(`${agent.name} meta-data as nobody, as ocf-tester's first step does`, async (t) => {
    // ocf-tester runs exactly this: su nobody -s /bin/sh -c "<agent> meta-data"
    const su = outsideTap("su", ["nobody", "-s", "/bin/sh", "-c", `${installed.agentPath(agent.name)} meta-data`]);
    const run = await runCommand(su.file, su.args, { timeoutMs: 20_000 });
    t.equal(run.exitCode, 0, "exits 0", { stderr: run.stderr });
    t.match(run.stdout, `<resource-agent name="${agent.name}"`);
  });
}

for (const agent of fenceAgents) {
  t.test(`fence agent ${agent.name} runs by path from the sbin dir`, async (t) => {
    const run = await runBare(join(dirs.sbinDir, agent.name), ["-o", "metadata"]);
    t.equal(run.exitCode, 0, "exits 0", { stderr: run.stderr });
    t.match(run.stdout, `<resource-agent name="${agent.name}"`);
  });
}

for (const plugin of stonithPlugins) {
  t.test(`stonith plugin external/${plugin.name} runs by path from the plugin dir`, async (t) => {
    const run = await runBare(join(dirs.stonithDir, plugin.name), ["getconfignames"]);
    t.equal(run.exitCode, 0, "exits 0", { stderr: run.stderr });
    t.not(run.stdout.trim(), "", "names its configuration parameters");
  });
}

t.test("the xen-ha command is installed and runs", async (t) => {
  const run = await runBare(join(dirs.sbinDir, "xen-ha"), ["--help"]);
  t.equal(run.exitCode, 0, "exits 0", { stderr: run.stderr });
  t.match(run.stdout, /install/);
});

t.test("crm_resource lists the installed agents", { skip: namespaceProblem ?? false }, async (t) => {
  const call = withOcfRoot(dirs.ocfRoot, "crm_resource", ["--list-agents", "ocf:xen-ha"]);
  const run = await runCommand(call.file, call.args, { timeoutMs: 20_000 });
  t.equal(run.exitCode, 0, "exits 0", { stderr: run.stderr });
  t.same(run.stdout.trim().split("\n").sort(), ocfAgents.map((a) => a.name).sort());
});

t.test("installing again over an installation replaces it in place", async (t) => {
  const again = await runBare(
    join(dirs.sbinDir, "xen-ha"), // the installed copy installs itself: no source tree involved
    ["install", "--ocf-root", dirs.ocfRoot, "--prefix", dirs.prefix, "--sbin-dir", dirs.sbinDir, "--stonith-dir", dirs.stonithDir, "--man-dir", dirs.manDir ?? ""],
    120_000,
  );
  t.equal(again.exitCode, 0, "reinstall exits 0", { stderr: again.stderr });
  const run = await runBare(installed.agentPath("XenDomain"), ["meta-data"]);
  t.equal(run.exitCode, 0);
});

t.test("refusals change nothing", async (t) => {
  const base = openTempDir("xen-ha-refuse-");
  const foreignPrefix = join(base, "prefix");
  mkdirSync(foreignPrefix);
  writeFileSync(join(foreignPrefix, "precious"), "user data\n");
  const foreignAgent = join(base, "ocf", "resource.d", "xen-ha", "XenDomain");
  mkdirSync(join(base, "ocf", "resource.d", "xen-ha"), { recursive: true });
  writeFileSync(foreignAgent, "#!/bin/sh\n# someone else's agent\n");
  const cases: [string, string[], RegExp][] = [
    ["a non-empty prefix that is not ours", ["--prefix", foreignPrefix, "--ocf-root", join(base, "o2")], /not an xen-ha installation/],
    ["a launcher path holding someone else's file", ["--prefix", join(base, "p2"), "--ocf-root", join(base, "ocf")], /was not written by xen-ha install/],
    // every directory is given: a test never installs into the machine's own /usr
    ["a relative prefix", ["--prefix", "rel/prefix", "--ocf-root", join(base, "o4")], /./],
    ["a prefix with a space", ["--prefix", join(base, "with space"), "--ocf-root", join(base, "o3")], /white space/],
  ];
  for (const [title, args, reason] of cases) {
    const run = await runCommand(
      process.execPath,
      [join(REPO_ROOT, "dist", "bin", "xen-ha.js"), "install", "--sbin-dir", join(base, "sbin"), "--stonith-dir", join(base, "st"), "--man-dir", join(base, "man"), ...args],
      { timeoutMs: 60_000, cwd: base },
    );
    if (title === "a relative prefix") {
      // resolved against the working directory, as a shell user expects: not a refusal
      t.equal(run.exitCode, 0, `${title}: ${run.stderr}`);
      t.ok(existsSync(prefixLayout(join(base, "rel", "prefix")).node), `${title}: installed under the working directory`);
      continue;
    }
    t.equal(run.exitCode, 1, title);
    t.match(run.stderr, reason, title);
  }
  t.equal(readFileSync(join(foreignPrefix, "precious"), "utf8"), "user data\n");
  t.match(readFileSync(foreignAgent, "utf8"), /someone else's agent/);
  t.teardown(() => runCommand("rm", ["-rf", base], { timeoutMs: 30_000 }));
});
