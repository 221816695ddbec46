import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { bundledName } from "../../../lib/sim/host/processes.ts";
import { ENV_BUNDLE, SIM_PROGRAMS, simBundleDir } from "../../../lib/sim/tool-bundle.ts";
import { run, simHost, simRoot } from "./support.ts";

// The launchers load one bundled file per program; the bundle must answer
// exactly as the modules it is made of.

t.test("the bundle holds every program, and stays put while no source changes", async (t) => {
  const dir = simBundleDir();
  if (dir === undefined) return t.fail("esbuild is a dev dependency: the source tree must bundle");
  for (const program of SIM_PROGRAMS) t.ok(existsSync(join(dir, bundledName(program))), program);
  t.equal(simBundleDir(), dir);
});

t.test("launchers require the bundle; XEN_SIM_BUNDLE=0 gives them the modules", async (t) => {
  const bundled = simHost(t);
  t.match(readFileSync(join(bundled.binDir, "xl"), "utf8"), /^if \(require\("node:fs"\)\.existsSync\((".*\/xl\.cjs")\)\) require\(\1\);$/m);
  t.match(readFileSync(join(bundled.binDir, "xenstore-read"), "utf8"), /^if .*\) require\(".*\/sim-xenstore\.cjs"\);$/m);
  process.env[ENV_BUNDLE] = "0";
  t.teardown(() => delete process.env[ENV_BUNDLE]);
  const modules = simHost(t);
  t.match(readFileSync(join(modules.binDir, "xl"), "utf8"), /^import\("file:\/\/.*\/bin\/xl\.(ts|js)"\);$/m);
});

t.test("a launcher whose bundle went (a cleaned temp dir) runs the module", async (t) => {
  const host = simHost(t);
  const launcher = join(host.binDir, "xl");
  const text = readFileSync(launcher, "utf8");
  const gone = text.replace(/"[^"]*\/xl\.cjs"/g, JSON.stringify(join(host.root, "gone", "xl.cjs")));
  t.not(gone, text, "the bundle's path was replaced");
  writeFileSync(launcher, gone);
  const result = await run(host, "xl", ["list"]);
  t.equal(result.exitCode, 0);
  t.match(result.stdout, /^Domain-0 +0 /m);
});

t.test("bundled and module programs print the same bytes and exit codes", async (t) => {
  const root = simRoot(t);
  const bundled = simHost(t, { root, host: "bundled" });
  process.env[ENV_BUNDLE] = "0";
  const modules = simHost(t, { root, host: "modules" });
  delete process.env[ENV_BUNDLE];
  // a host's name shows in some answers, and xl list's Time(s) is the CPU time so far: both made alike
  const same = (text: string, host: string) => text.replaceAll(host, "HOST").replace(/ +[0-9]+\.[0-9]$/gm, " T");
  const calls: [string, string[]][] = [
    ["xl", ["list"]],
    ["xl", ["info", "free_memory"]],
    ["xl", ["list", "nosuch"]],
    ["xl", ["frobnicate"]],
    ["xl", ["list", "-z"]],
    ["xl", ["help", "destroy"]],
    ["xl", []],
    ["xl", ["destroy"]],
    ["xenstore-read", ["/local/domain/0/name"]],
    ["xenstore-read", ["/local/domain/7/name"]],
    ["xenstore-ls", ["/local/domain"]],
    ["xenstore-watch", ["-n", "1", "@releaseDomain"]],
    ["stat", ["-c", "%F", "/dev/null"]],
    ["ssh", ["nosuchhost", "true"]],
  ];
  for (const [tool, args] of calls) {
    const [a, b] = await Promise.all([run(bundled, tool, args), run(modules, tool, args)]);
    const label = [tool, ...args].join(" ");
    t.equal(a.exitCode, b.exitCode, `${label}: exit code`);
    t.equal(same(a.stdout, "bundled"), same(b.stdout, "modules"), `${label}: stdout`);
    t.equal(same(a.stderr, "bundled"), same(b.stderr, "modules"), `${label}: stderr`);
  }
});
