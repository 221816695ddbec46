import t, { type Test } from "tap";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runCommand } from "../../../lib/exec/command.ts";
import {
  codeCachePath,
  LAUNCHER_MARK,
  launcherText,
  METADATA_DIALECTS,
  metadataFile,
  OCF_NODE_FLAGS,
  ocfLauncherText,
  ocfLoaderPath,
  ocfLoaderText,
  prefixLayout,
  prefixProblem,
} from "../../../lib/install/launcher.ts";

t.test("a launcher is a #! script for the installed Node that imports one compiled entry", async (t) => {
  t.equal(
    launcherText("/usr/lib/ocf/resource.d/xen-ha/XenDomain", "/usr/lib/xen-ha", "bin/XenDomain.js"),
    [
      "#!/usr/lib/xen-ha/bin/node",
      `// XenDomain: ${LAUNCHER_MARK}; runs bin/XenDomain.js of the xen-ha copy in /usr/lib/xen-ha.`,
      'process.getBuiltinModule("node:module").enableCompileCache("/usr/lib/xen-ha/cache");',
      'import("file:///usr/lib/xen-ha/dist/bin/XenDomain.js");',
      "",
    ].join("\n"),
  );
});

t.test("a bundled agent (CommonJS) is loaded with require: no ES module loader on an agent's start", async (t) => {
  t.equal(
    launcherText("/usr/lib/ocf/resource.d/xen-ha/XenDomain", "/usr/lib/xen-ha", "bundle/XenDomain.cjs"),
    [
      "#!/usr/lib/xen-ha/bin/node",
      `// XenDomain: ${LAUNCHER_MARK}; runs bundle/XenDomain.cjs of the xen-ha copy in /usr/lib/xen-ha.`,
      'process.getBuiltinModule("node:module").enableCompileCache("/usr/lib/xen-ha/cache");',
      'process.getBuiltinModule("node:module").createRequire("/")("/usr/lib/xen-ha/dist/bundle/XenDomain.cjs");',
      "",
    ].join("\n"),
  );
  t.match(launcherText("/x/A", '/opt/we"ird#%', "bundle/A.cjs"), 'createRequire("/")("/opt/we\\"ird#%/dist/bundle/A.cjs")');
});

t.test("characters that mean something in a URL or a JS string stay literal", async (t) => {
  const text = launcherText("/x/A", '/opt/we"ird#%', "bin/A.js");
  t.match(text, 'enableCompileCache("/opt/we\\"ird#%/cache")');
  t.match(text, 'import("file:///opt/we%22ird%23%25/dist/bin/A.js")');
});

const prefixes: [string, RegExp | undefined][] = [
  ["/usr/lib/xen-ha", undefined],
  ["usr/lib/xen-ha", /not an absolute path/],
  ["/opt/xen ha", /white space/],
  [`/${"a".repeat(260)}`, /too long for a #! line/],
];
for (const [prefix, problem] of prefixes) {
  t.test(`prefix ${prefix.slice(0, 30)}`, async (t) => {
    const found = prefixProblem(prefix);
    if (problem) t.match(found, problem);
    else t.equal(found, undefined);
  });
}

/** Agent A's loader (launched as /ocf/A) and where its bundle goes, in a fresh prefix. */
function loaderPrefix(t: Test): { prefix: string; bundle: string; loader: string } {
  const dir = mkdtempSync(join(tmpdir(), "xen-ha-loader-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const prefix = join(dir, "prefix");
  const bundle = join(prefixLayout(prefix).dist, "bundle", "A.cjs");
  mkdirSync(dirname(bundle), { recursive: true });
  mkdirSync(prefixLayout(prefix).compileCache, { recursive: true });
  const loader = ocfLoaderPath(prefix, "A");
  mkdirSync(dirname(loader), { recursive: true });
  writeFileSync(loader, ocfLoaderText("/ocf/A", prefix, "bundle/A.cjs", "A"));
  return { prefix, bundle, loader };
}

t.test("an OCF agent's loader: argv[1] is the launcher, V8's code cache written by the first monitor, a bad one ignored", async (t) => {
  const { prefix, bundle, loader } = loaderPrefix(t);
  // a #! line, as esbuild keeps the entry's; require and __dirname as CommonJS gives them
  writeFileSync(bundle, '#!/usr/bin/env node\nconst { join } = require("node:path");\nprocess.stdout.write(JSON.stringify([process.argv.slice(1), join(__dirname, "x")]));\nprocess.exitCode = Number(process.env.CODE ?? 0);\n');
  const cache = codeCachePath(prefix, "A");
  const run = async (action: string, code = 0) => {
    const result = await runCommand(process.execPath, [loader, action, "-x"], { timeoutMs: 20_000, env: { NODE_OPTIONS: "", CODE: String(code) } });
    t.equal(result.stderr, "", `${action}: nothing on stderr`);
    t.equal(result.exitCode, code, `${action}: the bundle's exit code`);
    t.same(JSON.parse(result.stdout), [["/ocf/A", action, "-x"], join(dirname(bundle), "x")], `${action}: the bundle ran as the launcher`);
  };
  await run("start");
  t.notOk(existsSync(cache), "an action other than monitor writes no cache");
  for (const code of [1, 5, 6]) await run("monitor", code);
  t.notOk(existsSync(cache), "a monitor that failed before its answer writes none");
  await run("monitor", 7);
  t.ok(existsSync(cache), "the first monitor writes it");
  const written = readFileSync(cache);
  await run("monitor");
  t.same(readFileSync(cache), written, "a cache that is there is not written again");
  writeFileSync(cache, "not a code cache");
  await run("monitor");
  t.same(readFileSync(cache, "utf8"), "not a code cache", "one V8 rejects is ignored, and left to the next install");
  t.same(readdirSync(dirname(cache)).sort(), ["A.v8code"], "no partial file left behind");
});

t.test("an OCF agent's loader gives the bundle Node's own modules and nothing else, and exits once its work is done", async (t) => {
  const { bundle, loader } = loaderPrefix(t);
  writeFileSync(join(dirname(bundle), "other.cjs"), "module.exports = 1;\n");
  const run = (text: string) => {
    writeFileSync(bundle, text);
    return runCommand(process.execPath, [loader, "start"], { timeoutMs: 20_000, env: { NODE_OPTIONS: "" } });
  };
  t.match(await run('process.stdout.write(typeof require("fs").readFileSync + typeof require("node:path").join);\n'), { exitCode: 0, stdout: "functionfunction" });
  t.match(await run('setTimeout(() => { process.stdout.write("later"); process.exitCode = 3; }, 200);\n'), { exitCode: 3, stdout: "later" }, "what is still scheduled runs before the exit");
  for (const id of ["./other.cjs", "tap", "node:no-such-module"]) {
    const result = await run(`require(${JSON.stringify(id)});\n`);
    t.equal(result.exitCode, 1, `${id}: refused`);
    t.match(result.stderr, `requires '${id}', which is not one of Node's own modules`);
  }
});

/**
 * The shell launcher, run by dash as the LRM runs it, in a prefix whose
 * "node" records its arguments: what reaches Node, and when the rendered
 * meta-data is printed instead. The prefix holds every character a shell
 * would act on (prefixProblem refuses only white space and NUL).
 */
const base = mkdtempSync(join(tmpdir(), "xen-ha-launcher-"));
t.teardown(() => rmSync(base, { recursive: true, force: true }));
const prefix = join(base, `we'ird"$(touch PWNED)\`$x;*`);
const launcher = join(base, "XenDomain");
const layout = prefixLayout(prefix);
mkdirSync(dirname(layout.node), { recursive: true });
// the fake node prints one argument a line, then the OCF version it saw
writeFileSync(layout.node, '#!/bin/sh\nprintf "node\\n"; for a in "$@"; do printf "%s\\n" "$a"; done\n');
chmodSync(layout.node, 0o755);
for (const dialect of METADATA_DIALECTS) {
  const file = join(layout.dist, metadataFile("XenDomain", dialect));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `rendered ${dialect}\n`);
}
writeFileSync(launcher, ocfLauncherText(launcher, prefix, "XenDomain"));
chmodSync(launcher, 0o755);
const viaNode = (...args: string[]) => ["node", ...OCF_NODE_FLAGS, ocfLoaderPath(prefix, "XenDomain"), ...args].join("\n") + "\n";

const cases: [string, string[], Record<string, string>, string][] = [
  ["meta-data, no version (OCF 1.0)", ["meta-data"], {}, "rendered 1.0\n"],
  ["meta-data, empty version (Number('') is 0)", ["meta-data"], { OCF_RA_VERSION_MINOR: "" }, "rendered 1.0\n"],
  ["meta-data, version 0", ["meta-data"], { OCF_RA_VERSION_MINOR: "0" }, "rendered 1.0\n"],
  ["meta-data, version 1", ["meta-data"], { OCF_RA_VERSION_MINOR: "1" }, "rendered 1.1\n"],
  // anything the agent would read otherwise (Number(" 1") is 1, Number("1.5") is 1.5) is the agent's to answer
  ...[" 1", "1 ", "01", "2", "1.5", "0x1", "-1", "x", "1\n", "*", "$(id)"].map(
    (v): [string, string[], Record<string, string>, string] => [`meta-data, version ${JSON.stringify(v)}`, ["meta-data"], { OCF_RA_VERSION_MINOR: v }, viaNode("meta-data")],
  ),
  ["meta-data with another argument", ["meta-data", "x"], { OCF_RA_VERSION_MINOR: "1" }, viaNode("meta-data", "x")],
  ["meta-data after an empty argument", ["", "meta-data"], {}, viaNode("", "meta-data")],
  ["META-DATA", ["META-DATA"], {}, viaNode("META-DATA")],
  ["monitor", ["monitor"], {}, viaNode("monitor")],
  ["no action", [], {}, viaNode()],
  ["arguments a shell would act on, passed as they are", ["-h", "a b", "'", '"$(touch PWNED)"', "*", "--", "\\"], {}, viaNode("-h", "a b", "'", '"$(touch PWNED)"', "*", "--", "\\")],
];
for (const [title, args, env, stdout] of cases) {
  t.test(`shell launcher: ${title}`, async (t) => {
    const run = await runCommand("env", ["-i", "PATH=/usr/bin:/bin", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), "/bin/sh", launcher, ...args], {
      timeoutMs: 10_000,
      cwd: base,
    });
    t.equal(run.exitCode, 0, run.stderr);
    t.equal(run.stdout, stdout);
    t.equal(run.stderr, "");
    t.notOk(existsSync(join(base, "PWNED")), "nothing ran");
  });
}

t.test("shell launcher: a rendered file that is missing is the agent's to answer", async (t) => {
  rmSync(join(layout.dist, metadataFile("XenDomain", "1.1")));
  const run = await runCommand("env", ["-i", "OCF_RA_VERSION_MINOR=1", launcher, "meta-data"], { timeoutMs: 10_000 });
  t.equal(run.stdout, viaNode("meta-data"));
});

t.test("shell launcher: the mark, and a #! line that needs no prefix", async (t) => {
  const text = ocfLauncherText("/usr/lib/ocf/resource.d/xen-ha/XenDomain", "/usr/lib/xen-ha", "XenDomain");
  t.match(text, /^#!\/bin\/sh\n/);
  t.match(text, LAUNCHER_MARK);
  t.match(text, `exec '/usr/lib/xen-ha/bin/node' '--jitless' '/usr/lib/xen-ha/launch/XenDomain.cjs' "$@"`);
});
