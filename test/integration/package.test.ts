import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { runCommand, type CommandResult } from "../../lib/exec/command.ts";
import { cleanupSim, createSimHost, writeSampleConfig } from "../../lib/sim/index.ts";
import { REPO_ROOT } from "../support/install-once.ts";
import { INTEGRATION_TIME_FACTOR, SYSTEM_PATH } from "../support/installed-sim.ts";

/**
 * The Debian package as an admin meets it: `npm run package`'s builder makes
 * an older and the current package, and inside a private mount namespace
 * whose /usr, /etc and /var are overlays over the machine's and /run a fresh
 * tmpfs (so the machine's own directories never change) dpkg installs the older one, upgrades it to
 * the current one, runs everything it installed from where it landed, and
 * purges it, leaving no file behind.
 */
if (process.getuid?.() !== 0) {
  t.plan(0, "dpkg -i into a private mount namespace needs root");
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), "xen-ha-package-"));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

async function buildPackage(...args: string[]): Promise<string> {
  const run = await runCommand(process.execPath, [join(REPO_ROOT, "dist/bin/package-deb.js"), "--fast", ...args, work], {
    timeoutMs: 300_000,
  });
  if (run.exitCode !== 0) throw new Error(`package build failed: ${run.stderr}`);
  const file = /^(\S+\.deb):/.exec(run.stdout)?.[1];
  if (!file) throw new Error(`no package named in: ${run.stdout}`);
  return file;
}

const older = await buildPackage("--version", "0.0.1~older");
const current = await buildPackage();

// One process holds the namespace; every step enters it with nsenter (argv only).
const OVERLAYS = `set -e
for d in usr etc var; do
  mkdir -p "$1/upper/$d" "$1/work/$d"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$1/upper/$d,workdir=$1/work/$d" "/$d"
done
mount -t tmpfs tmpfs /run
echo ready
exec sleep 900`;
const holder = spawn("unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", OVERLAYS, "sh", work], {
  stdio: ["ignore", "pipe", "inherit"],
});
t.teardown(() => {
  holder.kill("SIGKILL");
});
await new Promise<void>((resolve, reject) => {
  holder.stdout.once("data", () => resolve());
  holder.once("exit", (code) => reject(new Error(`namespace holder exited (${code})`)));
});

const inside = (file: string, args: readonly string[], env: Record<string, string> = {}): Promise<CommandResult> =>
  runCommand("nsenter", ["--target", String(holder.pid), "--mount", "--", "env", "-i", `PATH=${SYSTEM_PATH}`, ...Object.entries(env).map(([k, v]) => `${k}=${v}`), file, ...args], {
    timeoutMs: 300_000,
  });

t.test("dpkg installs the older package, then upgrades it to this build", async (t) => {
  const first = await inside("dpkg", ["-i", older]);
  t.equal(first.exitCode, 0, "dpkg -i of the older package", { stderr: first.stderr });
  const upgrade = await inside("dpkg", ["-i", current]);
  t.equal(upgrade.exitCode, 0, "dpkg -i of this build over it", { stderr: upgrade.stderr });
  const version = await inside("dpkg-query", ["-W", "-f=${Version} ${Status}", "xen-ha"]);
  t.match(version.stdout, /^0\.1\.\S+ install ok installed$/, "the new version is installed");
  t.notMatch(version.stdout, /older/);
  const machine = await runCommand("dpkg-query", ["-W", "xen-ha"], { timeoutMs: 20_000 });
  t.not(machine.exitCode, 0, "while the machine's own dpkg database never heard of it");
});

t.test("everything it installed runs from where it landed", async (t) => {
  const agents = await inside("crm_resource", ["--list-agents", "ocf:xen-ha"]);
  t.same(agents.stdout.trim().split("\n"), ["XenDomain", "XenHost"], "crm_resource --list-agents ocf:xen-ha", { stderr: agents.stderr });
  const fence = await inside("/usr/sbin/fence_xen", ["-o", "metadata"]);
  t.equal(fence.exitCode, 0, "fence_xen -o metadata");
  t.match(fence.stdout, /<resource-agent name="fence_xen"/);
  const plugin = await inside("/usr/lib/stonith/plugins/external/xen-ha", ["getconfignames"]);
  t.equal(plugin.exitCode, 0, "external/xen-ha getconfignames", { stderr: plugin.stderr });
  const cli = await inside("/usr/sbin/xen-ha", ["cib", "templates"]);
  t.equal(cli.exitCode, 0, "xen-ha cib templates", { stderr: cli.stderr });
  for (const page of ["ocf_xen-ha_XenDomain", "ocf_xen-ha_XenHost", "fence_xen", "xen-ha"]) {
    const where = await inside("man", ["-w", page]);
    t.match(where.stdout, new RegExp(`^/usr/share/man/man[78]/${page}\\.[78]\\.gz$`, "m"), `man finds ${page}`);
    const shown = await inside("man", ["-l", "-Tutf8", where.stdout.trim()], { MANWIDTH: "80" });
    t.equal(shown.exitCode, 0, `man -l renders ${page}`, { stderr: shown.stderr });
    t.equal(shown.stderr, "", `without a groff warning (${page})`);
  }
});

/** A fresh CIB file (cibadmin --empty) for a client to configure offline. */
async function emptyCib(name: string): Promise<string> {
  const empty = await runCommand("cibadmin", ["--empty"], { timeoutMs: 20_000 });
  const file = join(work, name);
  writeFileSync(file, empty.stdout);
  return file;
}

const hasTool = async (tool: string): Promise<boolean> =>
  (await runCommand("sh", ["-c", 'command -v "$1"', "sh", tool], { timeoutMs: 10_000 })).exitCode === 0;

const noCrm = (await hasTool("crm")) ? false : "crmsh is not installed (.ci/setup-system installs it)";
t.test("crmsh shows the packaged agent, configures it on a CIB file and refuses a misspelled parameter", { skip: noCrm }, async (t) => {
  const cib = await emptyCib("crm-cib.xml");
  const info = await inside("crm", ["ra", "info", "ocf:xen-ha:XenDomain"]);
  t.equal(info.exitCode, 0, "crm ra info ocf:xen-ha:XenDomain", { stderr: info.stderr });
  t.match(info.stdout, /xmfile\* \(string\): Xen domain configuration file/, "the required xmfile, with its description");
  t.match(info.stdout, /shutdown_acpi \(boolean, \[false\]\)/, "a default");
  const crm = (...args: string[]) => inside("crm", ["configure", ...args], { CIB_file: cib });
  t.equal((await crm("property", "stonith-enabled=false")).exitCode, 0, "a CIB file without fencing, for this check only");
  const good = await crm("primitive", "vm1", "ocf:xen-ha:XenDomain", "params", "xmfile=/etc/xen/vm1.cfg", "name=vm1", "op", "monitor", "interval=10s", "timeout=30s");
  t.equal(good.exitCode, 0, "crm configure primitive vm1 ocf:xen-ha:XenDomain ...", { stderr: good.stderr });
  const typo = await crm("primitive", "vm2", "ocf:xen-ha:XenDomain", "params", "xmfle=/etc/xen/vm2.cfg");
  t.not(typo.exitCode, 0, "a misspelled parameter is refused");
  t.match(typo.stderr, /parameter "xmfle" is not known/);
  const verify = await crm("verify");
  t.equal(verify.exitCode, 0, "crm configure verify", { stderr: verify.stderr });
  const shown = await crm("show", "vm1");
  t.match(shown.stdout, /primitive vm1 ocf:xen-ha:XenDomain/);
  t.notMatch((await crm("show")).stdout, /vm2/, "the refused primitive is not in the CIB");
});

const noPcs = (await hasTool("pcs")) ? false : "pcs is not installed (.ci/setup-system installs it)";
t.test("pcs describes the packaged agents, creates a resource in a CIB file and refuses a misspelled parameter", { skip: noPcs }, async (t) => {
  const cib = await emptyCib("pcs-cib.xml");
  const describe = await inside("pcs", ["resource", "describe", "ocf:xen-ha:XenDomain"]);
  t.equal(describe.exitCode, 0, "pcs resource describe ocf:xen-ha:XenDomain", { stderr: describe.stderr });
  t.match(describe.stdout, /xmfile \(required\)/);
  const create = await inside("pcs", ["-f", cib, "resource", "create", "vm1", "ocf:xen-ha:XenDomain", "xmfile=/etc/xen/vm1.cfg", "name=vm1"]);
  t.equal(create.exitCode, 0, "pcs -f cib.xml resource create vm1 ocf:xen-ha:XenDomain ...", { stderr: create.stderr });
  const typo = await inside("pcs", ["-f", cib, "resource", "create", "vm2", "ocf:xen-ha:XenDomain", "xmfle=/etc/xen/vm2.cfg"]);
  t.not(typo.exitCode, 0, "a misspelled parameter is refused");
  t.match(typo.stderr, /invalid resource option 'xmfle'/);
  const stonith = await inside("pcs", ["stonith", "describe", "fence_xen"]);
  t.equal(stonith.exitCode, 0, "pcs stonith describe fence_xen", { stderr: stonith.stderr });
  t.match(stonith.stdout, /plug: Domain to fence/);
});

t.test("ocf-tester passes against the packaged XenDomain on a simulated host", async (t) => {
  const simRoot = join(work, "sim");
  const sim = createSimHost({ root: simRoot, host: "pkg-host", persona: "xl-4.17", timeFactor: INTEGRATION_TIME_FACTOR, basePath: SYSTEM_PATH });
  t.teardown(() => cleanupSim(simRoot));
  const config = writeSampleConfig({ root: simRoot, name: "vm-pkg", out: join(simRoot, "vm-pkg.cfg") });
  const run = await runCommand(
    "nsenter",
    // HA_RSCTMP: the agent's records stay in the test's tree, not in the machine's /run/resource-agents
    ["--target", String(holder.pid), "--mount", "--", "env", "-i", ...Object.entries({ ...sim.env, HA_RSCTMP: join(simRoot, "rsctmp") }).map(([k, v]) => `${k}=${v}`),
      "ocf-tester", "-n", "vm-pkg", "-o", `xmfile=${config}`, "-o", "name=vm-pkg", "/usr/lib/ocf/resource.d/xen-ha/XenDomain"],
    { timeoutMs: 300_000 },
  );
  t.equal(run.exitCode, 0, "ocf-tester exits 0", { output: run.stdout + run.stderr });
  t.match(run.stdout + run.stderr, /passed all tests/);
});

t.test("dpkg --purge leaves nothing behind", async (t) => {
  const purge = await inside("dpkg", ["--purge", "xen-ha"]);
  t.equal(purge.exitCode, 0, "dpkg --purge xen-ha", { stderr: purge.stderr });
  for (const gone of ["/usr/lib/xen-ha", "/usr/lib/ocf/resource.d/xen-ha", "/usr/sbin/fence_xen", "/usr/sbin/xen-ha", "/usr/share/doc/xen-ha"]) {
    const left = await inside("test", ["-e", gone]);
    t.not(left.exitCode, 0, `${gone} is gone`);
  }
  // What the package wrote lives in the overlays' upper layers; only directories, whiteouts
  // (character devices) and dpkg's own database and logs may remain there.
  const leftovers = await runCommand(
    "find",
    [join(work, "upper", "usr"), join(work, "upper", "etc"), "(", "-type", "f", "-o", "-type", "l", ")", "-print"],
    { timeoutMs: 60_000 },
  );
  t.equal(leftovers.stdout, "", "no file or link left under /usr or /etc", { leftovers: leftovers.stdout });
  const info = await runCommand("find", [join(work, "upper", "var", "lib", "dpkg", "info"), "-name", "xen-ha.*"], { timeoutMs: 20_000 });
  t.equal(info.stdout, "", "no dpkg info file of xen-ha left");
});
